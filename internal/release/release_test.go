//go:build linux

package release

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"io/fs"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// version is what the test stamps; --version must print it.
const version = "v0.0.0-reprotest"

// arches are the release's architectures and their ELF machines.
var arches = map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}

// TestReproducible runs .ci/release in two copies of the source tree at two
// different absolute paths, from a third working directory, and requires
// the same bytes for each architecture, the stamped version from --version,
// and no trace of either source path in the binaries.
//
// The two runs share the Go build cache, whose keys leave the source
// directory out under -trimpath. To build the second copy from nothing, set
// RELEASE_TEST_FRESH_GOCACHE=1 (a few minutes on two cores).
func TestReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: runs the release build (four go builds) twice")
	}
	bash, err := osexec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash is needed to run .ci/release: %v", err)
	}
	moduleRoot, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	files := sourceFiles(t, moduleRoot)

	tmp := t.TempDir()
	srcA := filepath.Join(tmp, "a", "secretenv")
	srcB := filepath.Join(tmp, "b", "somewhere", "else", "secretenv-src")
	outA := filepath.Join(tmp, "out-a")
	outB := filepath.Join(tmp, "out-b")
	for _, dst := range []string{srcA, srcB} {
		copyFiles(t, moduleRoot, dst, files)
	}

	runRelease := func(src, out string, env ...string) {
		t.Helper()
		start := time.Now()
		cmd := osexec.Command(bash, filepath.Join(src, ".ci", "release"), version, out)
		cmd.Dir = tmp // neither source tree: the script finds its own
		cmd.Env = append(os.Environ(), env...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash %s/.ci/release: %v\n%s", src, err, b)
		}
		t.Logf("bash %s/.ci/release %s %s (%v):\n%s", src, version, out, time.Since(start).Round(time.Millisecond), b)
	}
	runRelease(srcA, outA)
	if os.Getenv("RELEASE_TEST_FRESH_GOCACHE") != "" {
		runRelease(srcB, outB, "GOCACHE="+filepath.Join(tmp, "gocache"))
	} else {
		runRelease(srcB, outB)
	}

	sumsA, sumsB := readSums(t, outA), readSums(t, outB)
	for arch, machine := range arches {
		name := "secretenv-linux-" + arch
		a, b := readFile(t, filepath.Join(outA, name)), readFile(t, filepath.Join(outB, name))
		sumA, sumB := sha256Hex(a), sha256Hex(b)
		t.Logf("%s: %d bytes\n  %s  (from %s)\n  %s  (from %s)", name, len(a), sumA, srcA, sumB, srcB)
		if sumA != sumB {
			t.Errorf("%s: sha256 %s from %s, %s from %s: the build is not reproducible", name, sumA, srcA, sumB, srcB)
		}
		if sumsA[name] != sumA || sumsB[name] != sumB {
			t.Errorf("%s: SHA256SUMS says %s and %s, the files hash to %s and %s", name, sumsA[name], sumsB[name], sumA, sumB)
		}
		for _, src := range []string{srcA, srcB, tmp} {
			if bytes.Contains(a, []byte(src)) || bytes.Contains(b, []byte(src)) {
				t.Errorf("%s holds the path %s: -trimpath did not apply", name, src)
			}
		}
		if !bytes.Contains(a, []byte(version)) {
			t.Errorf("%s does not hold the version %s", name, version)
		}
		checkStaticELF(t, filepath.Join(outA, name), machine)
	}

	// The stamp --version prints, from the binary this machine can run.
	if arch := runtime.GOARCH; arches[arch] != 0 {
		bin := filepath.Join(outA, "secretenv-linux-"+arch)
		out, err := osexec.Command(bin, "--version").CombinedOutput()
		if err != nil {
			t.Fatalf("%s --version: %v\n%s", bin, err, out)
		}
		if got, want := string(out), "secretenv "+version+"\n"; got != want {
			t.Errorf("%s --version = %q, want %q", filepath.Base(bin), got, want)
		}
	} else {
		t.Logf("%s cannot run either binary: --version not checked", runtime.GOARCH)
	}
}

// sourceFiles lists the source tree as git sees it: tracked files, and
// untracked ones that are not ignored (so build outputs stay out). Outside a
// git checkout it is every file but .git's.
func sourceFiles(t *testing.T, root string) []string {
	t.Helper()
	out, err := osexec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err == nil {
		var files []string
		for _, f := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
			// A file deleted but not yet staged is listed and absent.
			if info, err := os.Lstat(filepath.Join(root, f)); err == nil && info.Mode().IsRegular() {
				files = append(files, f)
			}
		}
		return files
	}
	t.Logf("git ls-files: %v; copying every file but .git's", err)
	var files []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func copyFiles(t *testing.T, from, to string, files []string) {
	t.Helper()
	for _, f := range files {
		src, dst := filepath.Join(from, f), filepath.Join(to, f)
		info, err := os.Stat(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, readFile(t, src), info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
}

// readSums reads OUTDIR/SHA256SUMS: file name to sha256.
func readSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q: want SHA256  NAME", sc.Text())
		}
		sums[name] = sum
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(arches) {
		t.Errorf("SHA256SUMS lists %d files, want %d", len(sums), len(arches))
	}
	return sums
}

func checkStaticELF(t *testing.T, path string, machine elf.Machine) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != machine {
		t.Errorf("%s is for %v, want %v", filepath.Base(path), f.Machine, machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has an ELF interpreter: it is not static", filepath.Base(path))
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v: it is not static", filepath.Base(path), libs)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
