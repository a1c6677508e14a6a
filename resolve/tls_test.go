package resolve

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/secretenv/secretenv/internal/awsfake"
)

// TestUntrustedEndpoint: a certificate that cannot be verified is not
// retried until the deadline, and the reason says what to do.
func TestUntrustedEndpoint(t *testing.T) {
	fake := awsfake.StartTLS()
	defer fake.Close()
	fake.PutParameter(awsfake.Parameter{Name: "/p", Value: "v"})
	ref := mustParse(t, "ssm:/p")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	res := New(testConfig(fake), nil).Resolve(ctx, []Reference{ref})
	r := res[ref]
	var e *Error
	if r.Err == nil || !errors.As(r.Err, &e) || e.Kind != Config || !strings.Contains(e.Reason, "certificate") || !strings.Contains(e.Hint, "CA certificates") {
		t.Fatalf("Resolve against an untrusted endpoint = %+v, want a certificate error with a hint", r)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v: the certificate error was retried", d)
	}
	if n := fake.Count("GetParameters"); n != 0 {
		t.Errorf("the fake answered %d calls through an untrusted handshake", n)
	}
}
