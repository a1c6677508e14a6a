// Package release holds the test of the release build, .ci/release: static
// linux/amd64 and linux/arm64 binaries, byte-for-byte the same from two
// source trees at different paths, stamped with the version --version
// prints.
package release
