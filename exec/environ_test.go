//go:build linux

package exec

import (
	"errors"
	"fmt"
	"math"
	osexec "os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestEnviron(t *testing.T) {
	tests := []struct {
		name   string
		parent []string
		set    map[string]string
		unset  map[string]bool
		want   []string
	}{
		{"empty", nil, nil, nil, []string{}},
		{"all removed", []string{"SECRETENV_MODE=exec"}, nil, nil, []string{}},
		{"untouched", []string{"A=1", "B=ssm:in the middle", "C="}, nil, nil,
			[]string{"A=1", "B=ssm:in the middle", "C="}},
		{"replaced in place",
			[]string{"A=1", "DB=ssm:/prod/db", "B=2"}, map[string]string{"DB": "hunter2"}, nil,
			[]string{"A=1", "DB=hunter2", "B=2"}},
		{"unset left out",
			[]string{"A=1", "GONE=ssm:/missing", "B=2"}, nil, map[string]bool{"GONE": true},
			[]string{"A=1", "B=2"}},
		{"unset wins over set",
			[]string{"A=ssm:/a"}, map[string]string{"A": "x"}, map[string]bool{"A": true},
			[]string{}},
		{"settings removed",
			[]string{"SECRETENV_MODE=exec", "A=1", "SECRETENV_TIMEOUT=1s", "SECRETENVX=2", "secretenv_mode=3", "MODE=4", "TIMEOUT=5"},
			map[string]string{"SECRETENV_LOG_LEVEL": "x"}, nil,
			[]string{"A=1", "SECRETENVX=2", "secretenv_mode=3", "MODE=4", "TIMEOUT=5"}},
		{"equals signs in values",
			[]string{"A=ssm:/a", "B=x=y==z"}, map[string]string{"A": "a=b==c="}, nil,
			[]string{"A=a=b==c=", "B=x=y==z"}},
		{"newlines",
			[]string{"CERT=secretsmanager:cert"}, map[string]string{"CERT": "-----BEGIN-----\nMIIB\n-----END-----\n"}, nil,
			[]string{"CERT=-----BEGIN-----\nMIIB\n-----END-----\n"}},
		{"utf-8 and other bytes",
			[]string{"P=ssm:/p", "Q=ssm:/q"}, map[string]string{"P": "pässwörd 🔑 日本語", "Q": "\xff\xfe\t\r"}, nil,
			[]string{"P=pässwörd 🔑 日本語", "Q=\xff\xfe\t\r"}},
		{"empty value",
			[]string{"E=ssm:/empty"}, map[string]string{"E": ""}, nil,
			[]string{"E="}},
		{"duplicates each replaced, order kept",
			[]string{"A=ssm:/a", "B=1", "A=ssm:/other", "B=2"}, map[string]string{"A": "v"}, nil,
			[]string{"A=v", "B=1", "A=v", "B=2"}},
		{"duplicates each unset",
			[]string{"A=1", "B=1", "A=2"}, nil, map[string]bool{"A": true},
			[]string{"B=1"}},
		{"entry without equals kept",
			[]string{"WEIRD", "A=1", "=x"}, nil, nil,
			[]string{"WEIRD", "A=1", "=x"}},
		{"names not in parent appended in order",
			[]string{"A=1"}, map[string]string{"Z": "z", "Y": "y"}, nil,
			[]string{"A=1", "Y=y", "Z=z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := slices.Clone(tt.parent)
			got, err := Environ(tt.parent, tt.set, tt.unset)
			if err != nil {
				t.Fatalf("Environ() error = %v", err)
			}
			if got == nil || !slices.Equal(got, tt.want) {
				t.Errorf("Environ(%q) = %q, want %q", tt.parent, got, tt.want)
			}
			if !slices.Equal(parent, tt.parent) {
				t.Errorf("Environ changed parent to %q", tt.parent)
			}
		})
	}
}

// secret is a value that must never show in an error.
const secret = "S3CR3T"

func TestEnvironErrors(t *testing.T) {
	lim := linuxLimits(4096, 8<<20)
	pad := func(name string, n int) string { // a value making NAME=value n bytes
		return strings.Repeat(secret, n)[:n-len(name)-1]
	}
	tests := []struct {
		name   string
		parent []string
		set    map[string]string
		want   []string // "NAME: words of the reason"
	}{
		{"NUL byte",
			[]string{"DB_PASSWORD=ssm:/db"}, map[string]string{"DB_PASSWORD": secret + "\x00" + secret},
			[]string{"DB_PASSWORD: NUL byte"}},
		{"131071 bytes fit",
			[]string{"BIG=ssm:/big"}, map[string]string{"BIG": pad("BIG", 131071)},
			nil},
		{"131072 bytes do not",
			[]string{"BIG=ssm:/big"}, map[string]string{"BIG": pad("BIG", 131072)},
			[]string{"BIG: NAME=value is 131072 bytes, over the kernel's limit of 131071 bytes"}},
		{"every offender, in order",
			[]string{"A=ssm:/a", "OK=1", "B=ssm:/b", "C=ssm:/c"},
			map[string]string{"C": secret + "\x00", "A": "\x00" + secret, "B": pad("B", 200000)},
			[]string{"A: NUL byte", "B: NAME=value is 200000 bytes", "C: NUL byte"}},
		{"one line per variable, not per occurrence",
			[]string{"A=ssm:/a", "A=ssm:/a"}, map[string]string{"A": secret + "\x00"},
			[]string{"A: NUL byte"}},
		{"bad names",
			nil, map[string]string{"": secret, "A=B": secret, "N\x00": secret},
			[]string{": the name is empty", "A=B: the name contains '='", "N\x00: the name contains a NUL byte"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := environ(tt.parent, tt.set, nil, lim)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("environ() error = %v, want none", err)
				}
				return
			}
			if got != nil {
				t.Errorf("environ() = %d variables with an error, want none", len(got))
			}
			var e *EnvError
			if !errors.As(fmt.Errorf("wrapped: %w", err), &e) {
				t.Fatalf("environ() error = %v, want an *EnvError", err)
			}
			if len(e.Problems) != len(tt.want) {
				t.Fatalf("environ() problems = %q, want %q", e.Problems, tt.want)
			}
			lines := strings.Split(e.Error(), "\n")
			for i, p := range e.Problems {
				name, words, _ := strings.Cut(tt.want[i], ": ")
				if p.Name != name || !strings.Contains(p.Reason, words) {
					t.Errorf("problem %d = %q: %q, want %q: ...%s...", i, p.Name, p.Reason, name, words)
				}
				if lines[i] != p.Name+": "+p.Reason {
					t.Errorf("Error() line %d = %q, want %q", i, lines[i], p.Name+": "+p.Reason)
				}
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), secret[:3]) {
				t.Errorf("error quotes a value: %q", err)
			}
		})
	}
}

func TestEnvironTotalLimit(t *testing.T) {
	lim := limits{strlen: 131072, total: 300000, ptr: 8}
	parent := []string{"SMALL=ssm:/s", "HUGE=ssm:/h", "PLAIN=" + strings.Repeat("p", 50000), "BIG=ssm:/b", "MEDIUM=ssm:/m"}
	values := func(huge, big, medium int) map[string]string {
		return map[string]string{
			"SMALL":  secret,
			"HUGE":   strings.Repeat(secret, huge/len(secret)),
			"BIG":    strings.Repeat(secret, big/len(secret)),
			"MEDIUM": strings.Repeat(secret, medium/len(secret)),
		}
	}
	tests := []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"fits", values(120000, 90000, 30000), nil},
		{"largest value named", values(120000, 120000, 30000), []string{"HUGE"}},
		{"fewest largest values named", values(126000, 126000, 126000), []string{"HUGE", "MEDIUM"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := environ(parent, tt.set, nil, lim)
			var e *EnvError
			if tt.want == nil {
				if err != nil {
					t.Fatalf("environ() error = %v, want none", err)
				}
				return
			}
			if !errors.As(err, &e) {
				t.Fatalf("environ() error = %v, want an *EnvError", err)
			}
			var names []string
			for _, p := range e.Problems {
				names = append(names, p.Name)
				if !strings.Contains(p.Reason, "over the kernel's limit of 300000 bytes") {
					t.Errorf("reason = %q, want the limit", p.Reason)
				}
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("environ() names %q, want %q", names, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes a value: %q", err)
			}
		})
	}

	// The boundary, to the byte: strings with their NULs, one pointer per
	// variable and one for argv.
	env := []string{"A=" + strings.Repeat("a", 1000)}
	exact := limits{strlen: 131072, total: len(env[0]) + 1 + 2*8, ptr: 8}
	if _, err := environ(env, nil, nil, exact); err != nil {
		t.Errorf("environ() at the limit: %v", err)
	}
	exact.total--
	if _, err := environ(env, nil, nil, exact); err == nil {
		t.Errorf("environ() one byte over the limit: no error")
	}
}

func TestLinuxLimits(t *testing.T) {
	const infinity = math.MaxUint64
	tests := []struct {
		page          int
		stack         uint64
		strlen, total int
	}{
		{4096, 8 << 20, 131072, 2 << 20},          // the usual 8 MiB stack: a quarter
		{4096, 1 << 20, 131072, 256 << 10},        // small stack: a quarter
		{4096, 256 << 10, 131072, 128 << 10},      // tiny stack: ARG_MAX at least
		{4096, 0, 131072, 128 << 10},              // no stack: ARG_MAX at least
		{4096, 100 << 20, 131072, 6 << 20},        // big stack: 3/4 of _STK_LIM at most
		{4096, infinity, 131072, 6 << 20},         // ulimit -s unlimited
		{65536, 8 << 20, 32 * 65536, 2 << 20},     // 64 KiB pages: MAX_ARG_STRLEN grows
		{16384, 512 << 10, 32 * 16384, 128 << 10}, // ARG_MAX does not
	}
	for _, tt := range tests {
		got := linuxLimits(tt.page, tt.stack)
		if got.strlen != tt.strlen || got.total != tt.total || got.ptr != 8 {
			t.Errorf("linuxLimits(%d, %d) = %+v, want strlen %d, total %d, ptr 8", tt.page, tt.stack, got, tt.strlen, tt.total)
		}
	}
}

// TestLimitsMatchKernel checks the rule against execve itself, to the byte.
func TestLimitsMatchKernel(t *testing.T) {
	path, err := osexec.LookPath("true")
	if err != nil {
		t.Skip("no true(1) to run")
	}
	lim := currentLimits()
	args := []string{path}
	run := func(env []string) error {
		pid, err := syscall.ForkExec(path, args, &syscall.ProcAttr{Env: env})
		if err != nil {
			return err
		}
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
		if ws.ExitStatus() != 0 {
			return fmt.Errorf("true: %v", ws)
		}
		return nil
	}

	// One string: MAX_ARG_STRLEN counts its NUL.
	for _, n := range []int{lim.strlen - 1, lim.strlen} {
		env := []string{"BIG=" + strings.Repeat("x", n-len("BIG="))}
		kernel := run(env)
		_, ours := environ(env, nil, nil, lim)
		if (kernel == nil) != (ours == nil) || (kernel == nil) != (n < lim.strlen) {
			t.Errorf("a %d-byte variable: execve: %v; Environ: %v", n, kernel, ours)
		}
	}

	// The total: fill the limit exactly, then go one byte over.
	env := fill(t, lim, path, args)
	if err := run(env); err != nil {
		t.Errorf("execve at the limit (%d bytes): %v", lim.total, err)
	}
	env[len(env)-1] += "x"
	if err := run(env); !errors.Is(err, syscall.E2BIG) {
		t.Errorf("execve one byte over the limit: %v, want E2BIG", err)
	}
}

// fill returns an environment with which execve(path, args, env) takes
// exactly lim.total bytes.
func fill(t *testing.T, lim limits, path string, args []string) []string {
	t.Helper()
	var env []string
	for i := 0; ; i++ {
		left := lim.total - lim.size(args, env, path)
		const chunk = 100000
		if left <= chunk+100 {
			env = append(env, fmt.Sprintf("V%03d=", i)+strings.Repeat("x", left-1-lim.ptr-len("V000=")))
			break
		}
		env = append(env, fmt.Sprintf("V%03d=", i)+strings.Repeat("x", chunk))
	}
	if got := lim.size(args, env, path); got != lim.total {
		t.Fatalf("built %d bytes, want %d", got, lim.total)
	}
	return env
}
