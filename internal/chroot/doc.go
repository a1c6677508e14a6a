// Package chroot holds the test that proves secretenv runs in a FROM scratch
// image without Docker: as root, it builds the static binary and a static
// test program, chroots into a directory that holds only what the image of
// Dockerfile.example holds (the binary, a CA bundle, /etc/passwd and
// /etc/group for the non-root user, its home, /tmp), drops to that user, and
// resolves references over HTTPS from a local TLS fake of SSM and Secrets
// Manager. There is no shell, no libc and no other /etc in the directory.
package chroot
