package awsfake

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
)

func getParam(t *testing.T, c *ssm.Client, name string) error {
	t.Helper()
	_, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String(name)})
	return err
}

func TestThrottleFault(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/p", Value: "v"})
	s.PutSecret(Secret{Name: "s", String: "v"})
	c := newSSM(s, "us-east-1", noRetries())
	s.Inject(Fault{Action: "GetParameter", Kind: Throttle, Count: 2})

	for i := range 2 {
		err := getParam(t, c, "/p")
		var throttled *types.ThrottlingException
		if !errors.As(err, &throttled) || errMessage(err) != "Rate exceeded" || httpStatus(err) != 400 {
			t.Errorf("request %d error = %v, want ThrottlingException: Rate exceeded, 400", i, err)
		}
	}
	if err := getParam(t, c, "/p"); err != nil {
		t.Errorf("third request: %v, want the fault spent", err)
	}
	if _, err := c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{"/p"}}); err != nil {
		t.Errorf("GetParameters was throttled: %v", err)
	}

	s.Inject(Fault{Kind: Throttle}) // every action, every request
	_, err := newSM(s, "us-east-1", noRetries()).GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
	if errCode(err) != "ThrottlingException" || errMessage(err) != "Rate exceeded" {
		t.Errorf("Secrets Manager error = %v, want ThrottlingException", err)
	}
	if n := s.CountErrors("", "ThrottlingException"); n != 3 {
		t.Errorf("CountErrors(ThrottlingException) = %d, want 3", n)
	}
	s.ClearFaults()
	if err := getParam(t, c, "/p"); err != nil {
		t.Errorf("after ClearFaults: %v", err)
	}
}

// TestSDKRetriesFaults checks that the SDK takes the fake's throttling and
// server errors as retryable.
func TestSDKRetriesFaults(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/p", Value: "v"})
	c := newSSM(s, "us-east-1", fastRetries(4))
	s.Inject(Fault{Action: "GetParameter", Kind: Throttle, Count: 1})
	s.Inject(Fault{Action: "GetParameter", Kind: ServerError, Count: 1})
	s.Inject(Fault{Action: "GetParameter", Kind: Unavailable, Count: 1})
	if err := getParam(t, c, "/p"); err != nil {
		t.Fatalf("GetParameter with retries: %v", err)
	}
	var codes []string
	for _, call := range s.Calls() {
		codes = append(codes, call.ErrorCode)
	}
	if got, want := strings.Join(codes, ","), "ThrottlingException,InternalServerError,ServiceUnavailable,"; got != want {
		t.Errorf("error codes of the attempts = %q, want %q", got, want)
	}
}

func TestServerErrors(t *testing.T) {
	s := start(t)
	c, sm := newSSM(s, "us-east-1", noRetries()), newSM(s, "us-east-1", noRetries())

	s.Inject(Fault{Kind: ServerError, Count: 2})
	err := getParam(t, c, "/p")
	var ssmInternal *types.InternalServerError
	if !errors.As(err, &ssmInternal) || httpStatus(err) != 500 {
		t.Errorf("SSM error = %v, want InternalServerError, 500", err)
	}
	_, err = sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")})
	var smInternal *smtypes.InternalServiceError
	if !errors.As(err, &smInternal) || httpStatus(err) != 500 {
		t.Errorf("Secrets Manager error = %v, want InternalServiceError, 500", err)
	}

	s.Inject(Fault{Kind: Unavailable, Count: 1})
	err = getParam(t, c, "/p")
	if errCode(err) != "ServiceUnavailable" || httpStatus(err) != 503 {
		t.Errorf("error = %v, want ServiceUnavailable, 503", err)
	}
}

func TestAccessDeniedForAnAction(t *testing.T) {
	s := start(t)
	s.PutSecret(Secret{Name: "s", String: "v"})
	s.Inject(Fault{Action: "BatchGetSecretValue", Kind: AccessDenied})
	c := newSM(s, "us-east-1", noRetries())

	_, err := c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"s"}})
	msg := errMessage(err)
	if errCode(err) != "AccessDeniedException" || !strings.HasPrefix(msg, "User: arn:aws:") || !strings.Contains(msg, "is not authorized to perform: secretsmanager:BatchGetSecretValue") {
		t.Errorf("BatchGetSecretValue error = %v, want AccessDeniedException", err)
	}
	if _, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")}); err != nil {
		t.Errorf("GetSecretValue, not denied: %v", err)
	}
}

func TestAccessDeniedForAnItem(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/open", Value: "v"})
	s.PutParameter(Parameter{Name: "/closed", Value: "v"})
	s.PutSecret(Secret{Name: "closed", String: "v"})
	s.Inject(Fault{Kind: AccessDenied, Item: "/closed"})
	s.Inject(Fault{Kind: AccessDenied, Item: s.SecretARN("", "closed")})
	c, sm := newSSM(s, "us-east-1", noRetries()), newSM(s, "us-east-1", noRetries())

	var denied *types.AccessDeniedException
	for _, name := range []string{"/closed", "/closed:1", s.ParameterARN("", "/closed")} {
		err := getParam(t, c, name)
		if !errors.As(err, &denied) || !strings.Contains(errMessage(err), "ssm:GetParameter on resource: "+s.ParameterARN("", "/closed")) {
			t.Errorf("GetParameter(%q) error = %v, want AccessDeniedException", name, err)
		}
	}
	if err := getParam(t, c, "/open"); err != nil {
		t.Errorf("GetParameter(/open): %v", err)
	}
	_, err := c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{"/open", "/closed"}})
	if !errors.As(err, &denied) {
		t.Errorf("GetParameters with a denied name error = %v, want AccessDeniedException", err)
	}
	_, err = c.GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{Path: aws.String("/")})
	if !errors.As(err, &denied) {
		t.Errorf("GetParametersByPath over a denied name error = %v, want AccessDeniedException", err)
	}
	_, err = sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("closed")})
	if errCode(err) != "AccessDeniedException" {
		t.Errorf("GetSecretValue(closed) error = %v, want AccessDeniedException", err)
	}
	out, err := sm.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"closed"}})
	if err != nil || len(out.Errors) != 1 || aws.ToString(out.Errors[0].ErrorCode) != "AccessDeniedException" || aws.ToString(out.Errors[0].SecretId) != "closed" {
		t.Errorf("BatchGetSecretValue(closed) = %+v, %v; want one AccessDeniedException entry", out, err)
	}
}

func TestHang(t *testing.T) {
	s := start(t)
	s.Inject(Fault{Action: "GetParameters", Kind: Hang})
	c := newSSM(s, "us-east-1", noRetries())
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := c.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/p"}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hung GetParameters error = %v, want the context deadline", err)
	}
	calls := s.Calls()
	if len(calls) != 1 || calls[0].Status != 0 {
		t.Errorf("calls = %+v, want one without a status", calls)
	}
}

func TestCloseReleasesHungRequests(t *testing.T) {
	s := Start()
	s.Inject(Fault{Kind: Hang})
	c := newSSM(s, "us-east-1", noRetries())
	done := make(chan error, 1)
	go func() { done <- getParam(t, c, "/p") }()
	deadline := time.After(5 * time.Second)
	for s.Count("GetParameter") == 0 {
		select {
		case <-deadline:
			t.Fatal("the request never arrived")
		case <-time.After(time.Millisecond):
		}
	}
	s.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("hung request succeeded after Close")
		}
	case <-deadline:
		t.Fatal("Close did not release the hung request")
	}
}

func TestDrop(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/p", Value: "v"})
	s.Inject(Fault{Kind: Drop, Count: 1})
	c := newSSM(s, "us-east-1", noRetries())
	err := getParam(t, c, "/p")
	var ae smithy.APIError
	if err == nil || errors.As(err, &ae) {
		t.Errorf("dropped request error = %v, want a transport error", err)
	}
	if err := getParam(t, c, "/p"); err != nil {
		t.Errorf("after the drop: %v", err)
	}
	if calls := s.Calls(); calls[0].Status != 0 || calls[1].Status != 200 {
		t.Errorf("calls = %+v", calls)
	}
}

func TestLatency(t *testing.T) {
	const d = 30 * time.Millisecond
	s := start(t, Latency(d))
	s.PutParameter(Parameter{Name: "/p", Value: "v"})
	c := newSSM(s, "us-east-1", noRetries())
	begin := time.Now()
	if err := getParam(t, c, "/p"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took < d {
		t.Errorf("request took %v with Latency(%v)", took, d)
	}

	s.SetLatency(0)
	s.Inject(Fault{Action: "GetParameter", Kind: Slow, Delay: d, Count: 1})
	begin = time.Now()
	if err := getParam(t, c, "/p"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took < d {
		t.Errorf("Slow request took %v, want at least %v", took, d)
	}

	// A client that gives up during the latency gets no answer.
	s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/p")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want the context deadline", err)
	}
}

func TestRateLimit(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/p", Value: "v"})
	s.RateLimit("GetParameter", 0.001, 3) // 3 now, then one every 1000 s
	c := newSSM(s, "us-east-1", noRetries())
	for i := range 3 {
		if err := getParam(t, c, "/p"); err != nil {
			t.Fatalf("request %d within the burst: %v", i, err)
		}
	}
	err := getParam(t, c, "/p")
	var throttled *types.ThrottlingException
	if !errors.As(err, &throttled) || errMessage(err) != "Rate exceeded" {
		t.Errorf("request past the burst error = %v, want ThrottlingException", err)
	}
	if _, err := c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{"/p"}}); err != nil {
		t.Errorf("another action was limited: %v", err)
	}
	s.RateLimit("GetParameter", 0, 0)
	if err := getParam(t, c, "/p"); err != nil {
		t.Errorf("after removing the limit: %v", err)
	}
}

func TestRateLimitRefills(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/p", Value: "v"})
	s.RateLimit("", 200, 1) // one token every 5 ms, shared by every action
	c := newSSM(s, "us-east-1", noRetries())
	if err := getParam(t, c, "/p"); err != nil {
		t.Fatal(err)
	}
	// Poll until the bucket has refilled, with a deadline rather than a sleep.
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := getParam(t, c, "/p")
		if err == nil {
			break
		}
		if errCode(err) != "ThrottlingException" || time.Now().After(deadline) {
			t.Fatalf("error = %v, want the bucket to refill", err)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestFaultKindString(t *testing.T) {
	for k, want := range map[FaultKind]string{Throttle: "Throttle", Drop: "Drop", AccessDenied: "AccessDenied", 42: "FaultKind(42)"} {
		if got := k.String(); got != want {
			t.Errorf("FaultKind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
