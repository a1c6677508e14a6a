// Command awsfake runs the local AWS fake of package awsfake: SSM Parameter
// Store, Secrets Manager, EC2 instance metadata and container credentials on
// one address.
//
//	awsfake -addr 127.0.0.1:4566 -seed testdata/awsfake/sample.json
//	AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 \
//	AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
//	DB_PASSWORD=ssm:/dev/db/password secretenv -- env
//
// Given a command after its flags, it listens on a free port instead, runs
// the command with AWS_ENDPOINT_URL, AWS_REGION and test credentials pointing
// at itself, and exits with the command's status:
//
//	awsfake -seed testdata/awsfake/sample.json -- ./secretenv --check
//
// It prints one line, "awsfake listening on URL", and stops on SIGINT or
// SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/secretenv/secretenv/internal/awsfake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type rateFlag []rate

type rate struct {
	action    string
	perSecond float64
	burst     int
}

func (f *rateFlag) String() string { return "" }

// Set reads ACTION=PER_SECOND[:BURST].
func (f *rateFlag) Set(v string) error {
	action, spec, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want ACTION=PER_SECOND[:BURST], got %q", v)
	}
	ps, b, hasBurst := strings.Cut(spec, ":")
	perSecond, err := strconv.ParseFloat(ps, 64)
	if err != nil || perSecond <= 0 {
		return fmt.Errorf("bad rate %q", ps)
	}
	burst := max(int(perSecond), 1)
	if hasBurst {
		if burst, err = strconv.Atoi(b); err != nil || burst < 1 {
			return fmt.Errorf("bad burst %q", b)
		}
	}
	*f = append(*f, rate{action, perSecond, burst})
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("awsfake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:4566", "address to listen on")
	latency := fs.Duration("latency", 0, "latency added to every AWS API answer")
	seed := fs.String("seed", "", "JSON file of parameters and secrets to load")
	moto := fs.Bool("moto", false, "answer as moto-based emulators do")
	region := fs.String("imds-region", awsfake.DefaultRegion, `region the instance metadata reports ("" for none)`)
	caFile := fs.String("tls-ca", "", "serve HTTPS and write the test CA certificate to this file")
	var rates rateFlag
	fs.Var(&rates, "rate", "token bucket for an action, ACTION=PER_SECOND[:BURST] (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	command := fs.Args()
	if len(command) > 0 && !flagSet(fs, "addr") {
		*addr = "127.0.0.1:0"
	}

	opts := []awsfake.Option{awsfake.Latency(*latency), awsfake.Region(*region)}
	if *moto {
		opts = append(opts, awsfake.Moto())
	}
	listen := awsfake.Listen
	if *caFile != "" {
		listen = awsfake.ListenTLS
	}
	s, err := listen(*addr, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "awsfake: %v\n", err)
		return 1
	}
	defer s.Close()
	if *caFile != "" {
		if err := os.WriteFile(*caFile, s.CACertPEM(), 0o644); err != nil {
			fmt.Fprintf(stderr, "awsfake: %v\n", err)
			return 1
		}
	}
	if *seed != "" {
		if err := s.LoadSeed(*seed); err != nil {
			fmt.Fprintf(stderr, "awsfake: seed: %v\n", err)
			return 1
		}
	}
	for _, r := range rates {
		s.RateLimit(r.action, r.perSecond, r.burst)
	}
	if len(command) > 0 {
		fmt.Fprintf(stderr, "awsfake listening on %s\n", s.URL)
		return runCommand(ctx, command, s.URL, stdout, stderr)
	}
	fmt.Fprintf(stdout, "awsfake listening on %s\n", s.URL)
	<-ctx.Done()
	return 0
}

// runCommand runs command pointed at the fake, as the README's quick start
// does, and returns its exit status.
func runCommand(ctx context.Context, command []string, url string, stdout, stderr io.Writer) int {
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	cmd.Env = append(os.Environ(),
		"AWS_ENDPOINT_URL="+url,
		"AWS_REGION="+awsfake.DefaultRegion,
		"AWS_ACCESS_KEY_ID=AKIDAWSFAKE",
		"AWS_SECRET_ACCESS_KEY=awsfake",
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_EC2_METADATA_DISABLED=true",
	)
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return max(ee.ExitCode(), 1)
	}
	fmt.Fprintf(stderr, "awsfake: %v\n", err)
	return 127
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
