package resolve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// TestCallErrorNeverQuotesAnAnswer: a decoding error may carry part of the
// response body, which holds values; no reason or hint may print it, however
// it arrives: alone, after retries, or as the last attempt before a deadline.
func TestCallErrorNeverQuotesAnAnswer(t *testing.T) {
	const canary = "Vq8#decodeCanary"
	decode := &smithy.OperationError{ServiceID: "SSM", OperationName: "GetParameters",
		Err: &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, invalid character %q in %s", 'V', canary)}}
	live := context.Background()
	done, cancel := context.WithCancel(live)
	cancel()
	for name, tc := range map[string]struct {
		ctx context.Context
		err error
	}{
		"alone":           {live, decode},
		"after retries":   {live, &retry.MaxAttemptsError{Attempt: 3, Err: decode}},
		"before deadline": {done, &afterDeadline{err: context.Canceled, last: decode}},
	} {
		e := callError(tc.ctx, tc.err, "ssm:GetParameters", "arn:aws:ssm:us-east-1:*:parameter/p")
		if msg := e.Reason + " " + e.Hint; strings.Contains(msg, canary[:4]) || !strings.Contains(msg, "could not read AWS's answer") {
			t.Errorf("%s: %q, want \"could not read AWS's answer\" and no part of the body", name, msg)
		}
	}
	if !errors.As(decode, new(*smithy.DeserializationError)) {
		t.Fatal("the test's error is not a DeserializationError")
	}
}
