//go:build linux

package chroot

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secretenv/secretenv/internal/awsfake"
)

// The non-root user of Dockerfile.example's image.
const (
	uid  = 10001
	gid  = 10001
	home = "/home/app"
)

// The image's /etc/passwd and /etc/group, as Dockerfile.example writes them.
const (
	etcPasswd = "app:x:10001:10001:app:/home/app:/sbin/nologin\n"
	etcGroup  = "app:x:10001:\n"
)

// The fake's test secrets. The test program prints them; secretenv never may.
const (
	dbPassword = "chroot-pw-0123456789"
	dbUser     = "chroot-user"
	apiKey     = "chroot-api-key"
)

// binaries are the static secretenv and test program, built once.
type binaries struct{ secretenv, testprog string }

func TestScratchImage(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: builds secretenv and runs it chrooted")
	}
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root (CI runs as root) to chroot(2) into a scratch-like directory and drop to uid 10001")
	}
	checkDockerfile(t)
	bins := build(t)

	srv := awsfake.StartTLS()
	t.Cleanup(srv.Close)
	srv.PutParameter(awsfake.Parameter{Name: "/prod/db/password", Type: "SecureString", Value: dbPassword})
	srv.PutSecret(awsfake.Secret{Name: "prod/db", String: `{"username":"` + dbUser + `","engine":"postgres"}`})
	srv.PutSecret(awsfake.Secret{Name: "prod/api-key", String: apiKey})
	ca := srv.CACertPEM()

	// The environment a task definition or pod spec would give: references,
	// a plain value, the AWS settings, and what Docker itself sets.
	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + home,
		"AWS_ENDPOINT_URL=" + srv.URL,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDCHROOTTEST",
		"AWS_SECRET_ACCESS_KEY=chroot-test-secret-key",
		"AWS_EC2_METADATA_DISABLED=true",
		"DB_PASSWORD=ssm:/prod/db/password",
		"DB_USER=secretsmanager:prod/db:username",
		"API_KEY=secretsmanager:prod/api-key",
		"GREETING=not a reference",
	}
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
		t.Fatalf("fake URL = %s, want https://127.0.0.1:PORT", srv.URL)
	}
	command := []string{"--", "/app/testprog", "DB_PASSWORD", "DB_USER", "API_KEY", "GREETING"}
	wantOut := "uid=10001 gid=10001\n" +
		"DB_PASSWORD=" + dbPassword + "\n" +
		"DB_USER=" + dbUser + "\n" +
		"API_KEY=" + apiKey + "\n" +
		"GREETING=not a reference\n"

	const standardBundle = "/etc/ssl/certs/ca-certificates.crt"
	tests := []struct {
		name       string
		caPath     string   // where the test CA is put in the chroot; "" for nowhere
		env        []string // added to env
		wantStatus int
		wantOut    string
		wantErr    []string // substrings of stderr
	}{
		{
			// What Dockerfile.example's image holds: the bundle at the path
			// Go's crypto/x509 reads on Linux.
			name:    "bundle at the standard path",
			caPath:  standardBundle,
			wantOut: wantOut,
		},
		{
			name:    "SSL_CERT_FILE elsewhere",
			caPath:  "/certs/test-ca.pem",
			env:     []string{"SSL_CERT_FILE=/certs/test-ca.pem"},
			wantOut: wantOut,
		},
		{
			name:    "AWS_CA_BUNDLE elsewhere",
			caPath:  "/certs/test-ca.pem",
			env:     []string{"AWS_CA_BUNDLE=/certs/test-ca.pem"},
			wantOut: wantOut,
		},
		{
			// PID 1's mode: the child's status comes back through secretenv.
			name:       "supervise passes the status on",
			caPath:     standardBundle,
			env:        []string{"SECRETENV_MODE=supervise", "TESTPROG_EXIT=3"},
			wantStatus: 3,
			wantOut:    wantOut,
		},
		{
			// A scratch image without CA certificates: nothing is started.
			name:       "no CA bundle",
			env:        []string{"SECRETENV_TIMEOUT=3s"},
			wantStatus: 125,
			wantErr: []string{
				"secretenv: DB_PASSWORD: ssm:/prod/db/password: ",
				"certificate signed by unknown authority",
				"the command was not started",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := makeRoot(t, bins, ca, tt.caPath)
			start := time.Now()
			status, stdout, stderr := runChrooted(t, root, append(slices.Clone(env), tt.env...), command)
			t.Logf("exit status %d after %v\nstdout:\n%s\nstderr:\n%s", status, time.Since(start).Round(time.Millisecond), indent(stdout), indent(stderr))

			if status != tt.wantStatus {
				t.Errorf("exit status = %d, want %d", status, tt.wantStatus)
			}
			if stdout != tt.wantOut {
				t.Errorf("stdout = %q, want %q", stdout, tt.wantOut)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not contain %q", want)
				}
			}
			if tt.wantErr == nil && stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
			for _, v := range []string{dbPassword, dbUser, apiKey} {
				if strings.Contains(stderr, v) {
					t.Errorf("stderr holds a secret value")
				}
			}
		})
	}
}

// checkDockerfile checks that Dockerfile.example's scratch image has the
// user and files this test puts in its chroot.
func checkDockerfile(t *testing.T) {
	t.Helper()
	b := readFile(t, filepath.Join("..", "..", "Dockerfile.example"))
	for _, want := range []string{
		"FROM scratch",
		"echo '" + strings.TrimSuffix(etcPasswd, "\n") + "' > /rootfs/etc/passwd",
		"echo '" + strings.TrimSuffix(etcGroup, "\n") + "' > /rootfs/etc/group",
		"cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/",
		"chmod 1777 /rootfs/tmp",
		fmt.Sprintf("USER %d:%d", uid, gid),
		"ENV HOME=" + home,
		`ENTRYPOINT ["/secretenv", "--"]`,
	} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("Dockerfile.example does not hold %q: the chroot no longer mirrors its image", want)
		}
	}
}

// build builds the static secretenv from the module root and the static
// test program, as Dockerfile.example does, and checks that both are
// static: no ELF interpreter, no shared library.
func build(t *testing.T) binaries {
	t.Helper()
	gobin, err := osexec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build secretenv: %v", err)
	}
	moduleRoot, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(moduleRoot, "go.mod")); err != nil || !bytes.HasPrefix(b, []byte("module github.com/secretenv/secretenv\n")) {
		t.Fatalf("%s is not secretenv's module root (go.mod: %v)", moduleRoot, err)
	}
	dir := t.TempDir()
	bins := binaries{secretenv: filepath.Join(dir, "secretenv"), testprog: filepath.Join(dir, "testprog")}
	for out, pkg := range map[string]string{bins.secretenv: ".", bins.testprog: "./internal/chroot/testprog"} {
		cmd := osexec.Command(gobin, "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
		cmd.Dir = moduleRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
		assertStatic(t, out)
	}
	return bins
}

func assertStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatalf("%s has an ELF interpreter: it is not static", filepath.Base(path))
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Fatalf("%s needs shared libraries %v: it is not static", filepath.Base(path), libs)
	}
}

// makeRoot makes the image's file system: exactly what Dockerfile.example's
// scratch stage copies in, with the test program as the application and
// the fake's CA (at caPath, if not "") instead of Debian's bundle. It checks
// that nothing else is there: no shell, no libc, no other /etc.
func makeRoot(t *testing.T, bins binaries, ca []byte, caPath string) string {
	t.Helper()
	type dir struct {
		path       string
		mode       fs.FileMode
		ownedByApp bool
	}
	type file struct {
		path string
		mode fs.FileMode
		data []byte
	}
	root := t.TempDir()
	dirs := []dir{
		{"/", 0o755, false},
		{"/app", 0o755, false},
		{"/etc", 0o755, false},
		{home, 0o755, true},
		{"/tmp", 0o777 | fs.ModeSticky, false},
	}
	files := []file{
		{"/secretenv", 0o755, readFile(t, bins.secretenv)},
		{"/app/testprog", 0o755, readFile(t, bins.testprog)},
		{"/etc/passwd", 0o644, []byte(etcPasswd)},
		{"/etc/group", 0o644, []byte(etcGroup)},
	}
	if caPath != "" {
		dirs = append(dirs, dir{filepath.Dir(caPath), 0o755, false})
		files = append(files, file{caPath, 0o644, ca})
	}
	for _, d := range dirs {
		p := filepath.Join(root, d.path)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, d.mode); err != nil { // MkdirAll is subject to the umask
			t.Fatal(err)
		}
		if d.ownedByApp {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		p := filepath.Join(root, f.path)
		if err := os.WriteFile(p, f.data, f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil {
			t.Fatal(err)
		}
	}

	// The whole file system, listed: every path must be one put there above.
	want := map[string]bool{}
	for _, f := range files {
		for p := f.path; p != "/"; p = filepath.Dir(p) {
			want[p] = true
		}
	}
	for _, d := range dirs {
		for p := d.path; p != "/"; p = filepath.Dir(p) {
			want[p] = true
		}
	}
	var listing strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel := "/" + strings.TrimPrefix(p, root+"/")
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&listing, "  %s %5d %9d %s\n", info.Mode(), info.Sys().(*syscall.Stat_t).Uid, info.Size(), rel)
		if !want[rel] {
			t.Errorf("the image holds %s, which Dockerfile.example does not put there", rel)
		}
		base := filepath.Base(rel)
		if base == "sh" || base == "bash" || base == "busybox" || strings.HasPrefix(base, "ld-linux") || strings.HasPrefix(base, "libc.") || strings.HasPrefix(base, "libc-") {
			t.Errorf("the image holds %s: a scratch image has no shell and no libc", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the image's file system (mode, owner, bytes, path):\n%s", listing.String())
	return root
}

// runChrooted runs /secretenv ARGS in root as the image's user, with env
// as its whole environment and / as its working directory, as a container
// runtime would (less the namespaces). It returns the exit status, stdout
// and stderr.
func runChrooted(t *testing.T, root string, env, args []string) (status int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := osexec.CommandContext(ctx, "/secretenv", args...)
	cmd.Path = "/secretenv" // inside the chroot, never looked up outside it
	cmd.Env = env
	cmd.Dir = "/" // without it the working directory would stay outside the chroot
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     root,
		Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}},
	}
	err := cmd.Run()
	var exitErr *osexec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("secretenv did not exit within 30s\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	case errors.As(err, &exitErr):
		ws := exitErr.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			t.Fatalf("secretenv was killed by %v\nstderr:\n%s", ws.Signal(), errOut.String())
		}
		status = ws.ExitStatus()
	case err != nil:
		t.Fatalf("starting secretenv chrooted into %s: %v", root, err)
	}
	return status, out.String(), errOut.String()
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func indent(s string) string {
	if s == "" {
		return "  (empty)"
	}
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ")
}
