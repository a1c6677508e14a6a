package awsfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

const maxBody = 1 << 20

// service is what differs between the two JSON services on the wire.
type service struct {
	target     string // X-Amz-Target prefix
	iam        string // IAM action prefix
	messageKey string // "message" for SSM, "Message" for Secrets Manager
	internal   string // the code of a 500
}

var (
	ssmService = &service{target: "AmazonSSM", iam: "ssm", messageKey: "message", internal: "InternalServerError"}
	smService  = &service{target: "secretsmanager", iam: "secretsmanager", messageKey: "Message", internal: "InternalServiceError"}
)

func serviceOf(prefix string) *service {
	switch prefix {
	case ssmService.target:
		return ssmService
	case smService.target:
		return smService
	}
	return nil
}

// apiError is an AWS error answer.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func validation(msg string) *apiError {
	return &apiError{http.StatusBadRequest, "ValidationException", msg}
}

func throttled() *apiError {
	return &apiError{http.StatusBadRequest, "ThrottlingException", "Rate exceeded"}
}

func accessDenied(svc *service, action, resource string) *apiError {
	perm := svc.iam + ":" + action
	msg := "User: arn:aws:iam::" + Account + ":user/awsfake is not authorized to perform: " + perm
	if resource != "" {
		msg += " on resource: " + resource
	}
	msg += " because no identity-based policy allows the " + perm + " action"
	return &apiError{http.StatusBadRequest, "AccessDeniedException", msg}
}

// request is one AWS API request as the handlers see it.
type request struct {
	svc         *service
	action      string
	target      string
	region      string
	accessKeyID string
	body        []byte
}

func (q *request) decode(v any) *apiError {
	if len(q.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(q.body, v); err != nil {
		return &apiError{http.StatusBadRequest, "SerializationException", "could not parse the request body: " + err.Error()}
	}
	return nil
}

// parseAuthorization reads the access key id and region of a SigV4
// Authorization header.
func parseAuthorization(h string) (akid, region string, ok bool) {
	_, cred, found := strings.Cut(h, "Credential=")
	if !found {
		return "", "", false
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 || parts[0] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[0], parts[2], true
}

// requestItems lists the ids a request asks for, for the call log.
func requestItems(body []byte) []string {
	var req struct {
		Name         string
		Names        []string
		Path         string
		SecretId     string
		SecretIdList []string
	}
	if json.Unmarshal(body, &req) != nil {
		return nil
	}
	var items []string
	if req.Name != "" {
		items = append(items, req.Name)
	}
	items = append(items, req.Names...)
	if req.Path != "" {
		items = append(items, req.Path)
	}
	if req.SecretId != "" {
		items = append(items, req.SecretId)
	}
	return append(items, req.SecretIdList...)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	prefix, action, _ := strings.Cut(target, ".")
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody))
	akid, region, signed := parseAuthorization(r.Header.Get("Authorization"))
	q := &request{svc: serviceOf(prefix), action: action, target: target, region: region, accessKeyID: akid, body: body}
	i := s.startCall(Call{Action: action, Region: region, AccessKeyID: akid, body: body})
	status, code := s.answer(w, r, q, signed, readErr)
	s.endCall(i, status, code)
}

// answer runs one API request and reports the status and error code sent, or
// status 0 when nothing was sent.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, q *request, signed bool, readErr error) (int, string) {
	svc := q.svc
	if svc == nil {
		svc = ssmService
		return writeError(w, svc, &apiError{http.StatusBadRequest, "UnknownOperationException", "awsfake does not know " + q.target})
	}
	if readErr != nil {
		return writeError(w, svc, &apiError{http.StatusBadRequest, "SerializationException", readErr.Error()})
	}
	if !signed {
		return writeError(w, svc, &apiError{http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token"})
	}

	s.mu.Lock()
	delay := s.latency
	f, slow := s.takeFaults(q.action, q.target)
	s.mu.Unlock()
	if !s.wait(r.Context(), delay+slow) {
		drop(w) // never a late empty 200
		return 0, ""
	}
	if f != nil {
		switch f.Kind {
		case Throttle:
			return writeError(w, svc, throttled())
		case ServerError:
			return writeError(w, svc, &apiError{http.StatusInternalServerError, svc.internal, "Internal server error"})
		case Unavailable:
			return writeError(w, svc, &apiError{http.StatusServiceUnavailable, "ServiceUnavailable", "Service Unavailable"})
		case Hang:
			s.hang(r.Context())
			drop(w) // returning would send an empty 200
			return 0, ""
		case Drop:
			drop(w)
			return 0, ""
		case AccessDenied:
			return writeError(w, svc, accessDenied(svc, q.action, ""))
		}
	}

	s.mu.Lock()
	allowed := s.allow(q.action, q.target)
	var out any
	var err *apiError
	if allowed {
		out, err = s.dispatch(q)
	}
	s.mu.Unlock()
	if !allowed {
		return writeError(w, svc, throttled())
	}
	if err != nil {
		return writeError(w, svc, err)
	}
	return writeJSON(w, http.StatusOK, out), ""
}

// dispatch runs a request against the data; s.mu is held.
func (s *Server) dispatch(q *request) (any, *apiError) {
	type handler func(*request) (any, *apiError)
	var h handler
	switch q.svc {
	case ssmService:
		h = map[string]handler{
			"GetParameter":          s.getParameter,
			"GetParameters":         s.getParameters,
			"GetParametersByPath":   s.getParametersByPath,
			"PutParameter":          s.putParameterAPI,
			"LabelParameterVersion": s.labelParameterVersionAPI,
		}[q.action]
	case smService:
		h = map[string]handler{
			"GetSecretValue":      s.getSecretValue,
			"BatchGetSecretValue": s.batchGetSecretValue,
			"CreateSecret":        s.createSecretAPI,
			"PutSecretValue":      s.putSecretValueAPI,
		}[q.action]
	}
	if h == nil {
		return nil, &apiError{http.StatusBadRequest, "UnknownOperationException", "awsfake does not implement " + q.target}
	}
	return h(q)
}

func writeError(w http.ResponseWriter, svc *service, e *apiError) (int, string) {
	body := map[string]string{"__type": e.code}
	if e.message != "" {
		body[svc.messageKey] = e.message
	}
	return writeJSON(w, e.status, body), e.code
}

func writeJSON(w http.ResponseWriter, status int, v any) int {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(fmt.Sprintf(`{"__type":"InternalFailure","message":%q}`, err.Error()))
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amzn-Requestid", requestID())
	w.WriteHeader(status)
	w.Write(b)
	return status
}

func requestID() string {
	var b [16]byte
	rand.Read(b[:])
	x := hex.EncodeToString(b[:])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}
