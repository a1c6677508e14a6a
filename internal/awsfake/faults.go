package awsfake

import (
	"fmt"
	"time"
)

// FaultKind is what an injected fault does.
type FaultKind int

const (
	// Throttle answers ThrottlingException, HTTP 400, "Rate exceeded".
	Throttle FaultKind = iota + 1
	// ServerError answers HTTP 500 (InternalServerError for SSM,
	// InternalServiceError for Secrets Manager).
	ServerError
	// Unavailable answers HTTP 503 ServiceUnavailable.
	Unavailable
	// Hang never answers: the request waits until the client gives up or the
	// server closes.
	Hang
	// Drop closes the connection without an answer.
	Drop
	// Slow adds Fault.Delay before the answer, then answers normally.
	Slow
	// AccessDenied answers AccessDeniedException for the action or, with
	// Fault.Item, for that one parameter or secret: GetParameter,
	// GetParameters, GetParametersByPath and GetSecretValue fail as a whole,
	// BatchGetSecretValue reports it in Errors[].
	AccessDenied
)

func (k FaultKind) String() string {
	switch k {
	case Throttle:
		return "Throttle"
	case ServerError:
		return "ServerError"
	case Unavailable:
		return "Unavailable"
	case Hang:
		return "Hang"
	case Drop:
		return "Drop"
	case Slow:
		return "Slow"
	case AccessDenied:
		return "AccessDenied"
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// Fault is a failure to inject.
type Fault struct {
	// Action is the API action ("GetParameters", or "AmazonSSM.GetParameters"),
	// "" for every action.
	Action string
	Kind   FaultKind
	// Count is how many matching requests the fault applies to; 0 is every one
	// until ClearFaults.
	Count int
	// Delay is the latency a Slow fault adds.
	Delay time.Duration
	// Item makes an AccessDenied fault deny one parameter or secret: its name,
	// its ARN, or the id exactly as requested.
	Item string
}

type fault struct {
	Fault
	left int // requests left when Count > 0
}

// Inject adds a fault. Faults apply in the order injected: every matching
// Slow fault adds its delay, and the first other matching fault decides the
// answer.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{Fault: f, left: f.Count})
}

// ClearFaults removes every fault (not the rate limits).
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (f *fault) matches(action, target string) bool {
	return f.Action == "" || f.Action == action || f.Action == target
}

// use consumes one application of f and reports whether it is now spent.
func (f *fault) use() (spent bool) {
	if f.Count <= 0 {
		return false
	}
	f.left--
	return f.left <= 0
}

// takeFaults picks the request-level faults of a request; s.mu is held.
func (s *Server) takeFaults(action, target string) (terminal *Fault, delay time.Duration) {
	kept := s.faults[:0]
	for _, f := range s.faults {
		keep := true
		if f.Item == "" && f.matches(action, target) {
			switch {
			case f.Kind == Slow:
				delay += f.Delay
				keep = !f.use()
			case terminal == nil:
				c := f.Fault
				terminal = &c
				keep = !f.use()
			}
		}
		if keep {
			kept = append(kept, f)
		}
	}
	clear(s.faults[len(kept):])
	s.faults = kept
	return terminal, delay
}

// denied reports whether an item-level AccessDenied fault matches one of the
// ids of an item, and consumes it; s.mu is held.
func (s *Server) denied(q *request, ids ...string) bool {
	for i, f := range s.faults {
		if f.Kind != AccessDenied || f.Item == "" || !f.matches(q.action, q.target) {
			continue
		}
		for _, id := range ids {
			if id != "" && id == f.Item {
				if f.use() {
					s.faults = append(s.faults[:i], s.faults[i+1:]...)
				}
				return true
			}
		}
	}
	return false
}

type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func (b *bucket) take(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// RateLimit puts a token bucket in front of an action (as named in Fault.Action;
// "" is one bucket shared by every action): perSecond tokens a second, at most
// burst at once, starting full. A request that finds the bucket empty is
// answered ThrottlingException "Rate exceeded", as the services do.
// perSecond <= 0 removes the limit.
func (s *Server) RateLimit(action string, perSecond float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if perSecond <= 0 {
		delete(s.buckets, action)
		return
	}
	burst = max(burst, 1)
	s.buckets[action] = &bucket{rate: perSecond, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// allow takes a token from the buckets of a request; s.mu is held.
func (s *Server) allow(action, target string) bool {
	now := time.Now()
	ok := true
	for _, k := range []string{action, target, ""} {
		if b := s.buckets[k]; b != nil && !b.take(now) {
			ok = false
		}
	}
	return ok
}
