//go:build tools

// This file keeps avo in this module's requirements: asm.go is excluded from
// every build by its ignore constraint, so go mod tidy would not see it.
package main

import (
	_ "github.com/mmcloughlin/avo/build"
	_ "github.com/mmcloughlin/avo/operand"
	_ "github.com/mmcloughlin/avo/reg"
)
