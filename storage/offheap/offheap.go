// Package offheap allocates large blocks of memory outside the Go heap:
// private anonymous mappings on unix systems, ordinary heap memory
// elsewhere. The garbage collector neither scans nor counts a mapped
// block, so a large array in one costs no collection work and does not
// raise the heap goal, and Free gives it back to the system at once.
//
// Invariants: a block from Alloc is zeroed and 8-aligned; it is freed at
// most once, and no slice of it is used after Free.
package offheap
