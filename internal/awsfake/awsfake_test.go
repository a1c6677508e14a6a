package awsfake

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const testKeyID = "AKIDAWSFAKETEST"

func staticCreds(akid string) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: akid, SecretAccessKey: "secret", Source: "test"}, nil
	}
}

// noRetries is one attempt, so a fault shows as it is.
func noRetries() aws.Retryer { return retry.AddWithMaxAttempts(retry.NewStandard(), 1) }

// fastRetries retries up to n attempts without backoff.
func fastRetries(n int) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = n
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func newSSM(s *Server, region string, r aws.Retryer) *ssm.Client {
	return ssm.New(ssm.Options{
		Region:       region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  staticCreds(testKeyID),
		Retryer:      r,
		HTTPClient:   s.HTTPClient(),
	})
}

func newSM(s *Server, region string, r aws.Retryer) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  staticCreds(testKeyID),
		Retryer:      r,
		HTTPClient:   s.HTTPClient(),
	})
}

func start(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := Start(opts...)
	t.Cleanup(s.Close)
	return s
}

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func errMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func TestUnsignedRequestIsRefused(t *testing.T) {
	s := start(t)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(`{"Name":"x"}`))
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(body), `"__type":"MissingAuthenticationTokenException"`) {
		t.Errorf("unsigned request = %d %s, want 400 MissingAuthenticationTokenException", resp.StatusCode, body)
	}
}

func TestUnknownOperation(t *testing.T) {
	s := start(t)
	_, err := newSSM(s, "us-east-1", noRetries()).DescribeParameters(t.Context(), &ssm.DescribeParametersInput{})
	if errCode(err) != "UnknownOperationException" {
		t.Errorf("DescribeParameters error = %v, want UnknownOperationException", err)
	}
}

func TestCallLog(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/a", Value: "1"})
	c := newSSM(s, "eu-west-3", noRetries())
	c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{"/a", "/b"}})
	c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/missing")})
	newSM(s, "us-east-1", noRetries()).BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"x", "y", "z"}})

	calls := s.Calls()
	if len(calls) != 3 {
		t.Fatalf("Calls() = %+v, want 3 calls", calls)
	}
	want := []Call{
		{Action: "GetParameters", Region: "eu-west-3", AccessKeyID: testKeyID, Status: 200, Items: []string{"/a", "/b"}},
		{Action: "GetParameter", Region: "eu-west-3", AccessKeyID: testKeyID, Status: 400, ErrorCode: "ParameterNotFound", Items: []string{"/missing"}},
		{Action: "BatchGetSecretValue", Region: "us-east-1", AccessKeyID: testKeyID, Status: 200, Items: []string{"x", "y", "z"}},
	}
	for i, w := range want {
		g := calls[i]
		if g.Action != w.Action || g.Region != w.Region || g.AccessKeyID != w.AccessKeyID || g.Status != w.Status || g.ErrorCode != w.ErrorCode || strings.Join(g.Items, ",") != strings.Join(w.Items, ",") {
			t.Errorf("call %d = %+v, want %+v", i, g, w)
		}
	}
	if n := s.Count("GetParameters"); n != 1 {
		t.Errorf("Count(GetParameters) = %d, want 1", n)
	}
	if n := s.Count(""); n != 3 {
		t.Errorf("Count(\"\") = %d, want 3", n)
	}
	if n := s.CountErrors("", "ParameterNotFound"); n != 1 {
		t.Errorf("CountErrors(ParameterNotFound) = %d, want 1", n)
	}
	if n := len(s.CallsFor("BatchGetSecretValue")); n != 1 {
		t.Errorf("CallsFor(BatchGetSecretValue) has %d calls, want 1", n)
	}
	s.ResetCalls()
	if n := s.Count(""); n != 0 {
		t.Errorf("Count after ResetCalls = %d, want 0", n)
	}
}

// TestConcurrentUse runs many clients at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/c", Value: "v"})
	s.PutSecret(Secret{Name: "c", String: "v"})
	c, sm := newSSM(s, "us-east-1", noRetries()), newSM(s, "us-east-1", noRetries())
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if i%2 == 0 {
				if _, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/c")}); err != nil {
					t.Error(err)
				}
			} else if _, err := sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("c")}); err != nil {
				t.Error(err)
			}
			s.PutParameter(Parameter{Name: "/c", Value: "v"})
			_ = s.Calls()
		})
	}
	wg.Wait()
	if n := s.Count(""); n != 20 {
		t.Errorf("Count = %d, want 20", n)
	}
}

func TestOverlapping(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	together := []Call{{Start: at(0), End: at(50)}, {Start: at(5), End: at(52)}, {Start: at(9), End: at(60)}}
	if !Overlapping(together) {
		t.Errorf("Overlapping(%v) = false, want true", together)
	}
	serial := []Call{{Start: at(0), End: at(50)}, {Start: at(51), End: at(101)}}
	if Overlapping(serial) {
		t.Errorf("Overlapping(serial calls) = true, want false")
	}
	if Overlapping([]Call{{Start: at(0)}}) || Overlapping(nil) {
		t.Errorf("Overlapping of an unanswered call or none = true, want false")
	}
}
