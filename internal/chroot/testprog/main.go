// Command testprog is the application of the chroot test: a static program
// that prints who it runs as and the variables named by its arguments, one
// NAME=value line each (NAME unset when it has none), then exits with the
// status in TESTPROG_EXIT (0 when unset).
//
// It holds only fake test secrets; a real application would not print them.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	fmt.Printf("uid=%d gid=%d\n", os.Getuid(), os.Getgid())
	for _, name := range os.Args[1:] {
		if v, ok := os.LookupEnv(name); ok {
			fmt.Printf("%s=%s\n", name, v)
		} else {
			fmt.Printf("%s unset\n", name)
		}
	}
	status, _ := strconv.Atoi(os.Getenv("TESTPROG_EXIT"))
	os.Exit(status)
}
