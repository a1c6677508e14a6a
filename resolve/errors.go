package resolve

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Kind sorts the reasons a reference cannot be resolved, for callers that
// branch on them (SECRETENV_ALLOW_MISSING forgives NotFound alone).
type Kind int

const (
	// Other is any failure without a kind of its own.
	Other Kind = iota
	// NotFound: the parameter, secret, version, label or stage does not exist.
	NotFound
	// AccessDenied: the caller may not read it (IAM or KMS).
	AccessDenied
	// Throttled: AWS kept throttling until the deadline.
	Throttled
	// Timeout: the deadline passed before AWS answered.
	Timeout
	// Malformed: the reference does not parse.
	Malformed
	// BadValue: the value was read but cannot be given (a missing JSON key,
	// a secret that is not JSON, binary that is not text).
	BadValue
	// Config: no region or no credentials.
	Config
)

// Error is why one reference could not be resolved. Its text is plain words
// and AWS's own error message where that helps; it never holds a value.
type Error struct {
	Kind   Kind
	Reason string // lowercase, no final period
	Hint   string // what a person can do, or ""
	Err    error  // the underlying error, for errors.Is/As; not printed
}

func (e *Error) Error() string { return e.Reason }
func (e *Error) Unwrap() error { return e.Err }

// IsNotFound reports whether err says a parameter or secret does not exist.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == NotFound
}

// fail builds an *Error.
func fail(kind Kind, reason, hint string, err error) *Error {
	return &Error{Kind: kind, Reason: reason, Hint: hint, Err: err}
}

// callError turns the error of an AWS call into an *Error. action is the
// IAM action the call needs ("ssm:GetParameters"), resource what it named.
func callError(ctx context.Context, err error, action, resource string) *Error {
	var api smithy.APIError
	isAPI := errors.As(err, &api)
	code := ""
	if isAPI {
		code = api.ErrorCode()
	}
	switch {
	case isUntrusted(err):
		return fail(Config, "the endpoint's TLS certificate is not trusted: "+transportReason(err),
			"the image needs CA certificates: add /etc/ssl/certs/ca-certificates.crt, or set SSL_CERT_FILE or AWS_CA_BUNDLE", err)
	case isThrottle(err) && ctx.Err() != nil:
		return fail(Throttled, "throttled by AWS until the deadline ("+code+")",
			"raise SECRETENV_TIMEOUT, spread the starts, or ask AWS for a higher quota (SSM: enable higher throughput)", err)
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		reason := "timed out waiting for AWS"
		var ad *afterDeadline
		switch {
		case isAPI:
			reason += " (last error: " + code + ")"
		case errors.As(err, &ad):
			reason += " (last error: " + transportReason(ad.last) + ")"
		}
		return fail(Timeout, reason, "check the network path to the endpoint, or raise SECRETENV_TIMEOUT", err)
	case code == "AccessDeniedException" || code == "AccessDenied":
		return fail(AccessDenied, "access denied: "+oneLine(api.ErrorMessage()), accessHint(api.ErrorMessage(), action, resource), err)
	case strings.HasPrefix(code, "KMS") || code == "DecryptionFailure" || code == "InvalidKeyId":
		return fail(AccessDenied, "cannot decrypt: "+code+": "+oneLine(api.ErrorMessage()),
			"the role needs kms:Decrypt on the KMS key that encrypts "+resource, err)
	case code == "UnrecognizedClientException" || code == "InvalidClientTokenId" || code == "InvalidSignatureException" ||
		code == "ExpiredTokenException" || code == "SignatureDoesNotMatch":
		return fail(Config, "AWS rejected the credentials: "+code+": "+oneLine(api.ErrorMessage()),
			"check which credentials are in use (AWS_PROFILE, AWS_ACCESS_KEY_ID, the task or pod role) and that they have not expired", err)
	case code == "ParameterNotFound" || code == "ResourceNotFoundException" || code == "ParameterVersionNotFound":
		return fail(NotFound, notFoundReason(action), "", err)
	case isAPI:
		return fail(Other, "AWS answered "+code+": "+oneLine(api.ErrorMessage()), "", err)
	case isNoCredentials(err):
		return fail(Config, "no AWS credentials found",
			"give the task or pod a role, or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", err)
	}
	var maxErr *retry.MaxAttemptsError
	if errors.As(err, &maxErr) {
		return fail(Other, "gave up after "+strconv.Itoa(maxErr.Attempt)+" attempts (AWS_MAX_ATTEMPTS): "+transportReason(err), "", err)
	}
	return fail(Other, transportReason(err), "", err)
}

func notFoundReason(action string) string {
	if strings.HasPrefix(action, "ssm:") {
		return "parameter not found"
	}
	return "secret not found"
}

func accessHint(msg, action, resource string) string {
	if strings.Contains(strings.ToLower(msg), "kms") {
		return "the role needs kms:Decrypt on the KMS key that encrypts " + resource
	}
	return "the role needs " + action + " on " + resource
}

// transportReason describes a failure that is not an AWS error answer: the
// one place where an error's own text is printed. The SDK's transport errors
// name the endpoint and the operation, never a value; a decoding error may
// quote the response body, which holds values, so its text never is.
func transportReason(err error) string {
	var ue *url.Error
	var op *smithy.OperationError
	var de *smithy.DeserializationError
	switch {
	case errors.As(err, &de):
		return "could not read AWS's answer"
	case errors.As(err, &ue):
		err = ue
	case errors.As(err, &op):
		err = op.Err
	}
	return oneLine(err.Error())
}

func isThrottle(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
		"ThrottledException", "RequestThrottledException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete":
		return true
	}
	return false
}

func isNoCredentials(err error) bool {
	s := err.Error()
	return strings.Contains(s, "get credentials") || strings.Contains(s, "failed to retrieve credentials") ||
		strings.Contains(s, "failed to refresh cached credentials") || strings.Contains(s, "no EC2 IMDS role found")
}

// oneLine keeps a message to one line of at most 300 bytes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
