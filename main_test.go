package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/secretenv/secretenv/internal/awsfake"
)

// The test binary plays secretenv itself and the commands it starts.
func TestMain(m *testing.M) {
	if os.Getenv(testAsSecretenv) == "1" {
		os.Unsetenv(testAsSecretenv)
		main()
	}
	testscript.Main(m, map[string]func(){
		"secretenv": main,
		// showenv NAME...: prints NAME=value for each, or NAME unset.
		"showenv": func() {
			for _, name := range os.Args[1:] {
				if v, ok := os.LookupEnv(name); ok {
					fmt.Printf("%s=%s\n", name, v)
				} else {
					fmt.Printf("%s unset\n", name)
				}
			}
		},
		// envcount: prints the number of variables and each name in order.
		"envnames": func() {
			for _, kv := range os.Environ() {
				name, _, _ := strings.Cut(kv, "=")
				fmt.Println(name)
			}
		},
		// exitwith N: exits with status N.
		"exitwith": func() {
			n, _ := strconv.Atoi(os.Args[1])
			os.Exit(n)
		},
	})
}

// testAsSecretenv makes the test binary run secretenv's main, for Go tests
// that start secretenv as a process themselves.
const testAsSecretenv = "TEST_AS_SECRETENV"

// TestScripts runs testdata/script/*.txtar: one behaviour of the secretenv
// command each, against a fresh local AWS fake.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup:               setupFake,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"fake":   cmdFake,
			"status": cmdStatus,
			"canary": cmdCanary,
		},
	})
}

const fakeKey = "awsfake"

// setupFake starts a fake for one script and points the AWS SDK at it, with
// static credentials and no shared config from the machine running the tests.
func setupFake(env *testscript.Env) error {
	fake := awsfake.Start()
	env.Defer(fake.Close)
	env.Values[fakeKey] = fake
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":                  fake.URL,
		"AWS_REGION":                        "us-east-1",
		"AWS_ACCESS_KEY_ID":                 "AKIDSECRETENVTEST",
		"AWS_SECRET_ACCESS_KEY":             "not-a-real-secret-access-key",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": fake.IMDSEndpoint(),
		"AWS_CONFIG_FILE":                   filepath.Join(env.WorkDir, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE":       filepath.Join(env.WorkDir, "no-aws-credentials"),
		"FAKE_URL":                          fake.URL,
		"FAKE_CREDENTIALS_URL":              fake.ContainerCredentialsURL(),
		"SECRETENV_TIMEOUT":                 "10s",
	} {
		env.Setenv(k, v)
	}
	return nil
}

// faultKinds are the fault names scripts use.
var faultKinds = map[string]awsfake.FaultKind{
	"throttle": awsfake.Throttle, "500": awsfake.ServerError, "503": awsfake.Unavailable,
	"hang": awsfake.Hang, "drop": awsfake.Drop, "denied": awsfake.AccessDenied, "slow": awsfake.Slow,
}

// cmdFake drives the fake from a script:
//
//	fake param NAME VALUE [type=SecureString] [region=R] [label=L,M]
//	fake secret NAME VALUE [region=R] [stages=A,B] [arn=VAR] [version=VAR]
//	fake binsecret NAME HEX [region=R]
//	fake fault ACTION KIND [count=N] [item=ID]    (KIND: throttle, 500, 503, hang, drop, denied)
//	fake ratelimit ACTION PER-SECOND BURST
//	fake moto
//	fake imdsregion REGION
//	fake calls ACTION N                           (asserts the number of calls)
//	fake reset                                    (forgets the calls)
//	fake clear                                    (removes the faults)
//	fake signedby ACCESS-KEY-ID                   (asserts every AWS call was signed with it)
//	fake region ACTION REGION                     (asserts calls of ACTION went to REGION)
func cmdFake(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: fake COMMAND ...")
	}
	fake := ts.Value(fakeKey).(*awsfake.Server)
	opts := map[string]string{}
	var pos []string
	for _, a := range args[1:] {
		if k, v, ok := strings.Cut(a, "="); ok && !strings.Contains(k, "/") && strings.ToLower(k) == k && len(pos) >= 2 {
			opts[k] = v
			continue
		}
		pos = append(pos, a)
	}
	need := func(n int) {
		if len(pos) != n {
			ts.Fatalf("fake %s: want %d arguments, got %q", args[0], n, pos)
		}
	}
	switch args[0] {
	case "param":
		need(2)
		p := awsfake.Parameter{Region: opts["region"], Name: pos[0], Value: pos[1], Type: opts["type"]}
		if opts["label"] != "" {
			p.Labels = strings.Split(opts["label"], ",")
		}
		fake.PutParameter(p)
	case "secret", "binsecret":
		need(2)
		sec := awsfake.Secret{Region: opts["region"], Name: pos[0], String: pos[1]}
		if args[0] == "binsecret" {
			b, err := hex.DecodeString(pos[1])
			ts.Check(err)
			sec.String, sec.Binary = "", b
		}
		if opts["stages"] != "" {
			sec.Stages = strings.Split(opts["stages"], ",")
		}
		arn, version := fake.PutSecret(sec)
		if opts["arn"] != "" {
			ts.Setenv(opts["arn"], arn)
		}
		if opts["version"] != "" {
			ts.Setenv(opts["version"], version)
		}
	case "fault":
		need(2)
		f := awsfake.Fault{Action: pos[0], Item: opts["item"]}
		if f.Action == "*" {
			f.Action = ""
		}
		kind, ok := faultKinds[pos[1]]
		if !ok {
			ts.Fatalf("fake fault: unknown kind %q", pos[1])
		}
		f.Kind = kind
		if kind == awsfake.Slow {
			d, err := time.ParseDuration(opts["delay"])
			ts.Check(err)
			f.Delay = d
		}
		if opts["count"] != "" {
			n, err := strconv.Atoi(opts["count"])
			ts.Check(err)
			f.Count = n
		}
		fake.Inject(f)
	case "ratelimit":
		need(3)
		rate, err := strconv.ParseFloat(pos[1], 64)
		ts.Check(err)
		burst, err := strconv.Atoi(pos[2])
		ts.Check(err)
		fake.RateLimit(pos[0], rate, burst)
	case "moto":
		fake.SetMoto(true)
	case "imdsregion":
		need(1)
		fake.SetIMDSRegion(pos[0])
	case "calls":
		need(2)
		want, err := strconv.Atoi(pos[1])
		ts.Check(err)
		got := fake.Count(pos[0])
		if (got == want) == neg {
			ts.Fatalf("fake calls %s = %d, want %s%d", pos[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
		}
	case "reset":
		fake.ResetCalls()
	case "clear":
		fake.ClearFaults()
	case "signedby":
		need(1)
		for _, c := range fake.Calls() {
			if c.Action != "IMDS" && c.Action != "ContainerCredentials" && (c.AccessKeyID == pos[0]) == neg {
				ts.Fatalf("%s call signed by %q, want %q", c.Action, c.AccessKeyID, pos[0])
			}
		}
	case "region":
		need(2)
		n := 0
		for _, c := range fake.CallsFor(pos[0]) {
			if c.Region == pos[1] {
				n++
			}
		}
		if (n > 0) == neg {
			ts.Fatalf("%d %s calls in %s", n, pos[0], pos[1])
		}
	default:
		ts.Fatalf("fake: unknown command %q", args[0])
	}
}

// cmdStatus runs a command and checks its exact exit status:
//
//	status N COMMAND [ARG...]
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N COMMAND [ARG...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *osexec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// cmdCanary fails if any run of 4 or more characters of any of the values
// in $CANARIES (space-separated) appears in the last command's stdout or
// stderr; "! canary" fails if none does.
func cmdCanary(ts *testscript.TestScript, neg bool, args []string) {
	values := strings.Fields(ts.Getenv("CANARIES"))
	if len(args) != 0 || len(values) == 0 {
		ts.Fatalf("usage: canary (with $CANARIES set)")
	}
	for _, stream := range []string{"stdout", "stderr"} {
		out := ts.ReadFile(stream)
		for _, v := range values {
			for i := 0; i+4 <= len(v); i++ {
				if run := v[i : i+4]; strings.Contains(out, run) {
					if neg {
						return
					}
					ts.Fatalf("%s holds %q, a part of a secret value", stream, run)
				}
			}
		}
	}
	if neg {
		ts.Fatalf("no part of a secret value in stdout or stderr, want one")
	}
}
