package resolve

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/secretenv/secretenv/internal/awsfake"
)

// BenchmarkResolve resolves 200 SSM parameters and 50 secrets per
// iteration, with a new Resolver (new clients, new connections) each time,
// as one secretenv process does, against the in-process fake with no added
// latency. The fake's own work is in the figures too.
func BenchmarkResolve(b *testing.B) {
	fake := awsfake.Start()
	defer fake.Close()
	var refs []Reference
	for i := range 200 {
		name := fmt.Sprintf("/bench/app/param-%03d", i)
		fake.PutParameter(awsfake.Parameter{Name: name, Type: "SecureString", Value: fmt.Sprintf("value-of-parameter-%03d", i)})
		refs = append(refs, mustParse(b, "ssm:"+name))
	}
	for i := range 50 {
		name := fmt.Sprintf("bench/secret-%02d", i)
		fake.PutSecret(awsfake.Secret{Name: name, String: fmt.Sprintf("secret-value-%02d", i)})
		refs = append(refs, mustParse(b, "secretsmanager:"+name))
	}
	cfg := testConfig(fake)
	b.ReportAllocs()
	var before syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	for b.Loop() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		results := New(cfg, nil).Resolve(ctx, refs)
		cancel()
		for _, r := range results {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	var after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
