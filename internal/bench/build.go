package main

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// binaries are the programs the benchmark runs or weighs.
type binaries struct {
	secretenv string // the real, stripped, static secretenv
	floor     string // floor/: LoadDefaultConfig and one GetParameters call
	bare      string // bare/: the SDK secretenv links, doing nothing
	launch    string // launch/: runs a command, reports its time and rusage
	exit0     string // the command secretenv execs: it only exits
}

// buildFlags build the way a release is built (README, Development).
var buildFlags = []string{"-trimpath", "-ldflags=-s -w"}

// build builds secretenv (the module root), floor, bare and launch into dir with
// CGO_ENABLED=0 and buildFlags, and writes the exit helper. When prebuilt
// is set, that binary is measured instead of building the module root.
func build(ctx context.Context, dir, prebuilt string) (binaries, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return binaries{}, err
	}
	b := binaries{
		secretenv: filepath.Join(dir, "secretenv"),
		floor:     filepath.Join(dir, "floor"),
		bare:      filepath.Join(dir, "bare"),
		launch:    filepath.Join(dir, "launch"),
	}
	pkgs := map[string]string{
		b.floor:  "./internal/bench/floor",
		b.bare:   "./internal/bench/bare",
		b.launch: "./internal/bench/launch",
	}
	if prebuilt == "" {
		pkgs[b.secretenv] = "."
	} else if b.secretenv, err = filepath.Abs(prebuilt); err != nil {
		return binaries{}, err
	}
	for out, pkg := range pkgs {
		args := append([]string{"build"}, buildFlags...)
		cmd := osexec.CommandContext(ctx, "go", append(args, "-o", out, pkg)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return binaries{}, fmt.Errorf("go %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, msg)
		}
	}
	if b.exit0, err = writeExit0(dir); err != nil {
		return binaries{}, err
	}
	return b, nil
}

// moduleRoot is the directory of the go.mod of the working directory.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := osexec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run the benchmark inside the secretenv module")
	}
	return filepath.Dir(gomod), nil
}

// writeExit0 writes the command secretenv execs in the benchmark: a static
// executable of one PT_LOAD segment whose entry point calls exit_group(0).
// The figure "time to exec" then ends when the kernel has loaded the command
// and it exits, with no dynamic loader or language runtime of its own in it
// (/bin/true spends more than that in ld.so). Where no such code is written
// here (not Linux on amd64 or arm64), it is true(1).
func writeExit0(dir string) (string, error) {
	var machine elf.Machine
	var code []byte
	switch {
	case runtime.GOOS == "linux" && runtime.GOARCH == "amd64":
		machine = elf.EM_X86_64
		code = []byte{
			0x31, 0xff, // xor edi, edi
			0xb8, 0xe7, 0x00, 0x00, 0x00, // mov eax, 231 (exit_group)
			0x0f, 0x05, // syscall
		}
	case runtime.GOOS == "linux" && runtime.GOARCH == "arm64":
		machine = elf.EM_AARCH64
		for _, insn := range []uint32{
			0xd2800000, // mov x0, #0
			0xd2800bc8, // mov x8, #94 (exit_group)
			0xd4000001, // svc #0
		} {
			code = binary.LittleEndian.AppendUint32(code, insn)
		}
	default:
		return osexec.LookPath("true")
	}
	const base = 0x400000
	const headers = 64 + 56 // ELF header, one program header
	size := uint64(headers + len(code))
	var buf bytes.Buffer
	h := elf.Header64{
		Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT),
		Entry: base + headers, Phoff: 64, Ehsize: 64, Phentsize: 56, Phnum: 1,
	}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	p := elf.Prog64{
		Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X),
		Vaddr: base, Paddr: base, Filesz: size, Memsz: size, Align: 0x1000,
	}
	binary.Write(&buf, binary.LittleEndian, &h)
	binary.Write(&buf, binary.LittleEndian, &p)
	buf.Write(code)
	path := filepath.Join(dir, "exit0")
	if err := os.WriteFile(path, buf.Bytes(), 0o755); err != nil {
		return "", err
	}
	// A helper that does not run would make every secretenv run fail; say
	// so here rather than as 125s later.
	if err := osexec.Command(path).Run(); err != nil {
		return osexec.LookPath("true")
	}
	return path, nil
}

// fileSize is the size of a file in bytes, or 0.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
