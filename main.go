// Command secretenv resolves the secret references in its environment
// (ssm:/prod/db/password, secretsmanager:prod/db:password) and runs a
// command with their values in its environment.
//
//	secretenv [--check] [--] COMMAND [ARG...]
//
// See README.md for the reference forms, settings and exit statuses.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/kelseyhightower/envconfig"

	"github.com/secretenv/secretenv/exec"
	"github.com/secretenv/secretenv/resolve"
)

// Exit statuses of secretenv itself; a command's own status passes through.
const (
	statusFailed        = 125
	statusCannotExecute = 126
	statusNotFound      = 127
)

// version is the release, set with -ldflags "-X main.version=v1.2.3"; when
// empty it comes from the module's build info.
var version string

func main() {
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

// settings are secretenv's own, read only from SECRETENV_* variables: a
// command's TIMEOUT or MODE is never taken for secretenv's. (No field has an
// envconfig tag: a tag would make envconfig fall back to the bare name.)
type settings struct {
	Mode         string        `default:"auto" desc:"auto, exec or supervise: supervise when PID 1, else exec"`
	Timeout      time.Duration `default:"30s" desc:"deadline for resolving every reference, retries included"`
	AllowMissing bool          `split_words:"true" default:"false" desc:"a missing secret is a warning, and its variable is left out"`
	LogLevel     string        `split_words:"true" default:"warn" desc:"debug, info, warn or error; stderr only; never values"`
	LogFormat    string        `split_words:"true" default:"text" desc:"text or json"`
}

const envPrefix = "secretenv"

// pausedMemoryLimit is the heap at which the garbage collector runs while
// it is paused (see pauseGC); below it, it does not run at all.
const pausedMemoryLimit = 64 << 20

// run is secretenv without the process around it: it takes the arguments,
// the environment and the streams, and returns the exit status. On success
// in exec mode it does not return.
func run(args, environ []string, stdout, stderr io.Writer) int {
	o := newOutput(stderr, "text", "warn")
	check, command, err := parseArgs(args)
	switch {
	case err == errHelp:
		usage(stdout)
		return 0
	case err == errVersion:
		fmt.Fprintf(stdout, "secretenv %s\n", buildVersion())
		return 0
	case err != nil:
		o.failure(err.Error(), "run secretenv --help for usage")
		return statusFailed
	}

	// An empty setting means its default, as if unset.
	for _, kv := range os.Environ() {
		if name, value, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "SECRETENV_") && value == "" {
			os.Unsetenv(name)
		}
	}
	var s settings
	if err := envconfig.Process(envPrefix, &s); err != nil {
		o.failure("bad setting: "+settingError(err), "run secretenv --help for the settings")
		return statusFailed
	}
	if err := s.validate(); err != nil {
		o.failure("bad setting: "+err.Error(), "run secretenv --help for the settings")
		return statusFailed
	}
	o = newOutput(stderr, s.LogFormat, s.LogLevel)

	// Signals that arrive while references are resolved stop everything
	// at once: nothing is started. The first Notify starts the runtime's
	// signal thread, 0.1 to 0.6 ms on a small VM: it runs while the
	// environment is read and the AWS configuration loaded, and is in
	// place before the first AWS call and before the start.
	sigs := make(chan os.Signal, 1)
	watching := make(chan struct{})
	go func() {
		signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
		close(watching)
	}()
	defer func() {
		<-watching
		signal.Stop(sigs)
	}()

	vars, malformed := findReferences(environ)
	if err := exec.DisableCoreDumps(); err != nil {
		o.log.Debug("could not turn off core dumps", "error", err.Error())
	}
	restoreGC := pauseGC()
	values, missing, failures, sig := resolveAll(vars, s, o, sigs, watching)
	if sig != 0 {
		o.failure(fmt.Sprintf("stopped by %s while resolving references; the command was not started", signalName(sig)), "")
		return 128 + int(sig)
	}
	failures = append(malformed, failures...)
	if len(failures) > 0 {
		inEnvironOrder(failures, environ)
		o.failures(failures, len(vars)+len(malformed))
		return statusFailed
	}
	if check {
		printCheck(stdout, vars, values, missing)
		return 0
	}

	set := make(map[string]string, len(vars))
	for _, v := range vars {
		if r, ok := values[v.ref]; ok && !missing[v.name] {
			set[v.name] = r.Value
		}
	}
	values = nil
	env, err := exec.Environ(environ, set, missing)
	set = nil
	if err != nil {
		o.envFailures(err)
		return statusFailed
	}
	// A stop asked for since the references were resolved still stops.
	// After this the handler stays until secretenv exits: a SIGTERM
	// between here and the start must not kill secretenv-as-PID-1 with its
	// default action. Exec resets every signal, and Supervise catches the
	// same ones.
	<-watching
	select {
	case sig := <-sigs:
		o.failure(fmt.Sprintf("stopped by %s before the command started; it was not started", signalName(sig.(syscall.Signal))), "")
		return 128 + int(sig.(syscall.Signal))
	default:
	}
	return start(command, env, s.Mode, o, restoreGC)
}

// pauseGC turns the garbage collector off, leaving only a ceiling, until
// the returned func is called. From resolving to starting the command
// secretenv allocates a few MiB at most: a collection would only run while
// the batches are sent, or, were the defaults back, while the environment
// is built (timed phase by phase: building it for 250 references took 0.7
// to 1.4 ms with the defaults back, 0.1 to 0.2 ms without). An exec
// replaces the process and never needs them back; a supervisor gets them
// once the command runs.
func pauseGC() (restore func()) {
	gc := debug.SetGCPercent(-1)
	limit := debug.SetMemoryLimit(pausedMemoryLimit)
	return func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	}
}

// start runs the command in the mode asked for. restoreGC is called once
// a supervised command has started.
func start(command, env []string, mode string, o *output, restoreGC func()) int {
	if mode == "auto" {
		mode = "exec"
		if exec.IsPID1() {
			mode = "supervise"
		}
	}
	o.log.Info("starting the command", "mode", mode, "command", command[0])
	if mode == "supervise" {
		status, err := exec.Supervise(command, env, exec.Options{Started: func(int) { restoreGC() }})
		if err != nil {
			o.failure(err.Error(), "")
			return exitStatus(err)
		}
		return status
	}
	err := exec.Exec(command, env)
	o.failure(err.Error(), "")
	return exitStatus(err)
}

func exitStatus(err error) int {
	var e *exec.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return statusFailed
}

// variable is one environment variable that holds a reference.
type variable struct {
	name string
	raw  string // the reference as written
	ref  resolve.Reference
}

// findReferences lists the variables of environ whose values are
// references, in order, and a failure for each one that does not parse.
// SECRETENV_* variables are settings, never references.
func findReferences(environ []string) ([]variable, []failure) {
	var vars []variable
	var bad []failure
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || strings.HasPrefix(name, "SECRETENV_") || !resolve.IsReference(value) {
			continue
		}
		ref, err := resolve.Parse(value)
		if err != nil {
			bad = append(bad, failure{variable: name, reference: value, reason: err.Error()})
			continue
		}
		vars = append(vars, variable{name: name, raw: value, ref: ref})
	}
	return vars, bad
}

// resolveAll fetches every reference under one deadline. It returns the
// results, the variables left out because their secret is missing and
// SECRETENV_ALLOW_MISSING allows it, the failures, and the signal that
// stopped it, if one did. It makes no AWS call before watching is closed:
// until then a signal on sigs may not be caught.
func resolveAll(vars []variable, s settings, o *output, sigs <-chan os.Signal, watching <-chan struct{}) (map[resolve.Reference]resolve.Result, map[string]bool, []failure, syscall.Signal) {
	missing := map[string]bool{}
	if len(vars) == 0 {
		// No references: no AWS configuration, no region, no network.
		return nil, missing, nil, 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	defer cancel()

	type answer struct {
		results map[resolve.Reference]resolve.Result
		err     error
	}
	done := make(chan answer, 1)
	go func() {
		refs := make([]resolve.Reference, 0, len(vars))
		needRegion := false
		for _, v := range vars {
			refs = append(refs, v.ref)
			needRegion = needRegion || v.ref.Region == ""
		}
		cfg, err := resolve.LoadConfig(ctx, resolve.ConfigOptions{Deadline: s.Timeout, NeedRegion: needRegion})
		if err != nil {
			done <- answer{err: err}
			return
		}
		<-watching // no AWS call before a stop can be caught
		done <- answer{results: resolve.New(cfg, o.log).Resolve(ctx, refs)}
	}()

	var a answer
	select {
	case sig := <-sigs:
		return nil, nil, nil, sig.(syscall.Signal)
	case a = <-done:
	}

	var failures []failure
	for _, v := range vars {
		if a.err != nil {
			failures = append(failures, failure{variable: v.name, reference: v.raw,
				reason: "cannot load the AWS configuration: " + oneLine(a.err.Error()),
				hint:   "check AWS_PROFILE and the AWS config and credentials files"})
			continue
		}
		r, ok := a.results[v.ref]
		if !ok {
			// Never start with a reference nobody answered for.
			r.Err = errors.New("no result for this reference")
		}
		if r.Err == nil {
			continue
		}
		if s.AllowMissing && resolve.IsNotFound(r.Err) {
			missing[v.name] = true
			o.warnMissing(v.name, v.raw, r.Err.Error())
			continue
		}
		f := failure{variable: v.name, reference: v.raw, reason: r.Err.Error()}
		var re *resolve.Error
		if errors.As(r.Err, &re) {
			f.hint = re.Hint
		}
		failures = append(failures, f)
	}
	return a.results, missing, failures, 0
}

// printCheck prints one line per reference variable for --check: never a
// value, only its length and the version read.
func printCheck(out io.Writer, vars []variable, values map[resolve.Reference]resolve.Result, missing map[string]bool) {
	w := newTabWriter(out)
	defer w.Flush()
	for _, v := range vars {
		if missing[v.name] {
			fmt.Fprintf(w, "%s\t%s\tmissing (allowed)\n", v.name, printable(v.raw))
			continue
		}
		r := values[v.ref]
		version := r.Version
		if version == "" {
			version = "-"
		}
		fmt.Fprintf(w, "%s\t%s\tversion %s\t%d bytes\n", v.name, printable(v.raw), version, len(r.Value))
	}
}

func (s *settings) validate() error {
	switch s.Mode {
	case "auto", "exec", "supervise":
	default:
		return fmt.Errorf("SECRETENV_MODE=%s: want auto, exec or supervise", printable(s.Mode))
	}
	if s.Timeout <= 0 {
		return fmt.Errorf("SECRETENV_TIMEOUT=%s: want a positive duration such as 30s", s.Timeout)
	}
	switch s.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("SECRETENV_LOG_LEVEL=%s: want debug, info, warn or error", printable(s.LogLevel))
	}
	switch s.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("SECRETENV_LOG_FORMAT=%s: want text or json", printable(s.LogFormat))
	}
	return nil
}

// buildVersion is version, else the main module's version from build info.
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// inEnvironOrder sorts failures as their variables stand in environ.
func inEnvironOrder(fs []failure, environ []string) {
	pos := make(map[string]int, len(environ))
	for i, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if _, ok := pos[name]; !ok {
			pos[name] = i
		}
	}
	slices.SortStableFunc(fs, func(a, b failure) int { return cmp.Compare(pos[a.variable], pos[b.variable]) })
}
