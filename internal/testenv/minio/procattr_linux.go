package minio

import "syscall"

// procAttr makes the server die with the test process, even when that
// one is killed (for example by go test's -timeout).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
