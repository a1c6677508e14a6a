package resolve

import (
	"context"
	"sync"

	"github.com/aws/smithy-go/middleware"
)

// When the deadline ends a call that was being retried, the SDK returns the
// context's error and forgets why it was retrying. A middleware inside the
// retry loop keeps each attempt's error, so the reason can say "throttled"
// rather than only "timed out".

type lastAttemptKey struct{}

type lastAttempt struct {
	mu  sync.Mutex
	err error
}

func (l *lastAttempt) set(err error) {
	l.mu.Lock()
	l.err = err
	l.mu.Unlock()
}

func (l *lastAttempt) get() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// recordAttempts adds the middleware to a client's stack, right inside the
// retry loop.
func recordAttempts(stack *middleware.Stack) error {
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("secretenvLastAttempt",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			if l, ok := ctx.Value(lastAttemptKey{}).(*lastAttempt); ok && err != nil {
				l.set(err)
			}
			return out, md, err
		}), "Retry", middleware.After)
}

// afterDeadline is a call's error when the deadline ended its retries: the
// SDK's error, and the last attempt's, both reachable with errors.As.
type afterDeadline struct {
	err, last error
}

func (e *afterDeadline) Error() string   { return e.err.Error() }
func (e *afterDeadline) Unwrap() []error { return []error{e.err, e.last} }
