package main

// This file owns every word secretenv prints to a person. None of them is
// ever a value: only variable names, references, reasons and hints.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"unicode"

	"github.com/kelseyhightower/envconfig"

	"github.com/secretenv/secretenv/exec"
)

var (
	errHelp    = errors.New("help")
	errVersion = errors.New("version")
)

// parseArgs splits secretenv's own flags from the command. Flags come first;
// "--" or the first argument that is not a flag starts the command, which is
// passed on byte for byte.
func parseArgs(args []string) (check bool, command []string, err error) {
	for i, a := range args {
		switch a {
		case "--":
			command = args[i+1:]
		case "--check", "-check":
			check = true
			continue
		case "--help", "-help", "-h":
			return false, nil, errHelp
		case "--version", "-version":
			return false, nil, errVersion
		default:
			if strings.HasPrefix(a, "-") && a != "-" {
				return false, nil, fmt.Errorf("unknown flag %s", printable(a))
			}
			command = args[i:]
		}
		break
	}
	if len(command) == 0 && !check {
		return false, nil, errors.New("no command to run: secretenv [--check] [--] COMMAND [ARG...]")
	}
	return check, command, nil
}

const usageText = `usage: secretenv [--check] [--] COMMAND [ARG...]
       secretenv --version | --help

secretenv resolves the secret references in its environment and runs COMMAND
with their values in its environment. A variable is a reference when its value
starts with "ssm:" or "secretsmanager:":

  ssm:/prod/db/password               an SSM parameter, decrypted
  ssm:/prod/db/password:3             a version, or ssm:NAME:LABEL a label
  ssm:arn:aws:ssm:REGION:ACCOUNT:parameter/NAME[:VERSION-OR-LABEL]
  ssm:///prod/db/password             as remind101/ssm-env writes it
  secretsmanager:prod/db              a secret's current SecretString
  secretsmanager:SECRET:JSON-KEY:VERSION-STAGE:VERSION-ID
                                      as ECS's valueFrom; fields may be empty

If any reference cannot be resolved the command is not started and secretenv
exits 125, listing every failing variable. --check resolves everything, prints
each variable's version and length (never its value), and runs nothing.

Exit status: the command's own; 128+N if it was killed by signal N (supervise
mode); 125 secretenv failed; 126 the command cannot be executed; 127 the
command was not found.

AWS settings are the SDK's own: AWS_REGION, AWS_PROFILE, the default credential
chain, AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE.

Settings (environment variables):
`

func usage(w io.Writer) {
	io.WriteString(w, usageText)
	tw := newTabWriter(w)
	t := reflect.TypeFor[settings]()
	for i := range t.NumField() {
		f := t.Field(i)
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", settingName(f.Name), f.Tag.Get("default"), f.Tag.Get("desc"))
	}
	tw.Flush()
}

// settingName is the variable envconfig reads a settings field from, with
// split_words: AllowMissing is SECRETENV_ALLOW_MISSING. (envconfig's own
// Usage renders through text/template, whose reflective method calls would
// make the linker keep every method of every SDK client: 6 MB.)
func settingName(field string) string {
	var b strings.Builder
	b.WriteString(strings.ToUpper(envPrefix))
	for i, r := range field {
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte('_')
		}
		if i == 0 {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// settingError words an envconfig error without its value twice.
func settingError(err error) string {
	var pe *envconfig.ParseError
	if errors.As(err, &pe) {
		want := pe.TypeName
		switch want {
		case "time.Duration":
			want = "a duration such as 30s or 1m"
		case "bool":
			want = "true or false"
		}
		return fmt.Sprintf("%s=%s: want %s", pe.KeyName, printable(pe.Value), want)
	}
	return err.Error()
}

// failure is one variable that could not be resolved.
type failure struct {
	variable, reference, reason, hint string
}

// output prints secretenv's messages to stderr, as text lines prefixed
// "secretenv: " or as one JSON object a line.
type output struct {
	w    io.Writer
	json bool
	log  *slog.Logger
}

func newOutput(w io.Writer, format, level string) *output {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	o := &output{w: w, json: format == "json"}
	opts := &slog.HandlerOptions{Level: l}
	if o.json {
		opts.ReplaceAttr = jsonNames
		o.log = slog.New(slog.NewJSONHandler(w, opts))
	} else {
		o.log = slog.New(&textHandler{w: w, level: l, mu: new(sync.Mutex)})
	}
	return o
}

// failure prints one problem that is not a variable's.
func (o *output) failure(reason, hint string) {
	o.log.Error(reason, hintAttrs(hint)...)
}

// failures prints every failing variable and a summary. In text, each
// distinct hint follows the list once; in JSON, each record carries its own.
func (o *output) failures(fs []failure, total int) {
	seen := map[string]bool{}
	var hints []string
	for _, f := range fs {
		attrs := []any{"variable", f.variable, "reference", printable(f.reference)}
		if o.json {
			attrs = append(attrs, hintAttrs(f.hint)...)
		} else if f.hint != "" && !seen[f.hint] {
			seen[f.hint] = true
			hints = append(hints, f.hint)
		}
		o.log.Error(f.reason, attrs...)
	}
	for _, h := range hints {
		o.log.Error("", "hint", h)
	}
	o.log.Error(fmt.Sprintf("%d of %d references could not be resolved; the command was not started", len(fs), total))
}

func (o *output) warnMissing(variable, reference, reason string) {
	o.log.Warn(reason+"; left out of the command's environment (SECRETENV_ALLOW_MISSING)",
		"variable", variable, "reference", printable(reference))
}

// envFailures prints each variable whose value cannot live in an environment.
func (o *output) envFailures(err error) {
	var ee *exec.EnvError
	if !errors.As(err, &ee) {
		o.failure(err.Error(), "")
		return
	}
	for _, p := range ee.Problems {
		o.log.Error(p.Reason, "variable", p.Name)
	}
	o.log.Error(fmt.Sprintf("%d variables cannot be passed to the command; it was not started", len(ee.Problems)))
}

// jsonNames writes "message" for slog's "msg" and levels in lower case:
// {"time":…,"level":"error","message":…,"variable":…,"reference":…,"hint":…}.
func jsonNames(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.MessageKey:
		a.Key = "message"
	case slog.LevelKey:
		a.Value = slog.StringValue(strings.ToLower(a.Value.String()))
	}
	return a
}

func hintAttrs(hint string) []any {
	if hint == "" {
		return nil
	}
	return []any{"hint", hint}
}

// textHandler renders records as "secretenv: VARIABLE: REFERENCE: message",
// with "hint: " lines, and "debug: "/"info: "/"warning: " before lower levels.
type textHandler struct {
	w     io.Writer
	level slog.Level
	attrs []slog.Attr
	mu    *sync.Mutex
}

func (h *textHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *textHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString("secretenv: ")
	switch {
	case r.Level < slog.LevelInfo:
		b.WriteString("debug: ")
	case r.Level < slog.LevelWarn:
		b.WriteString("info: ")
	case r.Level < slog.LevelError:
		b.WriteString("warning: ")
	}
	var variable, reference, hint string
	var rest []string
	each := func(a slog.Attr) bool {
		switch a.Key {
		case "variable":
			variable = a.Value.String()
		case "reference":
			reference = a.Value.String()
		case "hint":
			hint = a.Value.String()
		default:
			rest = append(rest, a.Key+"="+quoteIfNeeded(a.Value.String()))
		}
		return true
	}
	for _, a := range h.attrs {
		each(a)
	}
	r.Attrs(each)
	if variable != "" {
		b.WriteString(variable + ": ")
	}
	if reference != "" {
		b.WriteString(reference + ": ")
	}
	msg := r.Message
	if msg == "" && hint != "" {
		msg, hint = "hint: "+hint, ""
	}
	b.WriteString(msg)
	for _, kv := range rest {
		b.WriteString(" " + kv)
	}
	b.WriteString("\n")
	if hint != "" {
		b.WriteString("secretenv: hint: " + hint + "\n")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *textHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr{}, h.attrs...), as...)
	return &c
}

func (h *textHandler) WithGroup(string) slog.Handler { return h }

// printable returns s as is when it is plain printable text, else quoted,
// so that no input can forge a line of output.
func printable(s string) string {
	if len(s) > 512 {
		s = s[:512] + "…"
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return strconv.Quote(s)
		}
	}
	return s
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\"=") {
		return strconv.Quote(s)
	}
	return printable(s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGINT:
		return "SIGINT"
	}
	return sig.String()
}

func newTabWriter(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }
