// Command awsfake runs the local AWS fake of package awsfake: SSM Parameter
// Store, Secrets Manager, EC2 instance metadata and container credentials on
// one address.
//
//	awsfake -addr 127.0.0.1:4566 -seed testdata/awsfake/sample.json
//	AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 \
//	AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
//	DB_PASSWORD=ssm:/dev/db/password secretenv -- env
//
// It prints one line, "awsfake listening on URL", and stops on SIGINT or
// SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
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
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "awsfake: unexpected argument %q\n", fs.Arg(0))
		return 2
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
	fmt.Fprintf(stdout, "awsfake listening on %s\n", s.URL)
	<-ctx.Done()
	return 0
}
