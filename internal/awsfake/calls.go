package awsfake

import (
	"slices"
	"time"
)

// Call is one request in the call log.
type Call struct {
	// Action is the API action ("GetParameters"), or "IMDS" and
	// "ContainerCredentials" for the metadata endpoints.
	Action string
	// Region and AccessKeyID come from the SigV4 credential scope.
	Region      string
	AccessKeyID string
	// ErrorCode is the AWS error code answered, "" on success.
	ErrorCode string
	// Status is the HTTP status answered; 0 when none was (a hang, a dropped
	// connection, a client that gave up, or a request still running).
	Status int
	// Items are the ids asked for, as requested: Name, Names, Path, SecretId,
	// SecretIdList (for the metadata endpoints, the method and path).
	Items []string
	// Start is when the request arrived; End when it was answered (zero
	// while it runs, or when it never was).
	Start, End time.Time

	id   int
	body []byte // an API request's body, decoded into Items when the log is read
}

// Overlapping reports whether every call of calls was in flight at one
// moment: each arrived before any was answered.
func Overlapping(calls []Call) bool {
	var lastStart, firstEnd time.Time
	for _, c := range calls {
		if c.End.IsZero() {
			return false
		}
		if c.Start.After(lastStart) {
			lastStart = c.Start
		}
		if firstEnd.IsZero() || c.End.Before(firstEnd) {
			firstEnd = c.End
		}
	}
	return len(calls) > 0 && lastStart.Before(firstEnd)
}

func (s *Server) startCall(c Call) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.id = s.nextSeq()
	c.Start = time.Now()
	s.calls = append(s.calls, c)
	return c.id
}

func (s *Server) endCall(id, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.calls) - 1; i >= 0; i-- { // ResetCalls may have run meanwhile
		if s.calls[i].id == id {
			s.calls[i].Status = status
			s.calls[i].ErrorCode = code
			s.calls[i].End = time.Now()
			return
		}
	}
}

// Calls returns a copy of the call log, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		if c.body != nil {
			// Decoded here, not while the request is served: the fake
			// shares the machine with the client it answers.
			c.Items = requestItems(c.body)
		} else {
			c.Items = slices.Clone(c.Items)
		}
		c.id, c.body = 0, nil
		out[i] = c
	}
	return out
}

// CallsFor returns the calls of one action ("" for all).
func (s *Server) CallsFor(action string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if action == "" || c.Action == action {
			out = append(out, c)
		}
	}
	return out
}

// Count is the number of calls of an action ("" for all).
func (s *Server) Count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if action == "" || c.Action == action {
			n++
		}
	}
	return n
}

// CountErrors is the number of calls of an action ("" for all) answered with
// an error code ("" for any error code).
func (s *Server) CountErrors(action, code string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if (action == "" || c.Action == action) && c.ErrorCode != "" && (code == "" || c.ErrorCode == code) {
			n++
		}
	}
	return n
}

// ResetCalls empties the call log.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}
