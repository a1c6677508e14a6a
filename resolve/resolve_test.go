package resolve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"

	"github.com/secretenv/secretenv/internal/awsfake"
)

// These tests drive the real SDK clients over HTTP against the local fake.

func testConfig(fake *awsfake.Server) aws.Config {
	return aws.Config{
		Region:       awsfake.DefaultRegion,
		BaseEndpoint: aws.String(fake.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "test"}, nil
		}),
		Retryer: untilDeadline,
	}
}

func mustParse(t testing.TB, s string) Reference {
	t.Helper()
	r, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return r
}

func resolveAll(t testing.TB, fake *awsfake.Server, refs []string) map[Reference]Result {
	t.Helper()
	var parsed []Reference
	for _, s := range refs {
		parsed = append(parsed, mustParse(t, s))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return New(testConfig(fake), nil).Resolve(ctx, parsed)
}

func TestBatchSizes(t *testing.T) {
	fake := awsfake.Start()
	defer fake.Close()
	var refs []string
	for i := 0; i < 11; i++ {
		fake.PutParameter(awsfake.Parameter{Name: fmt.Sprintf("/p/%d", i), Value: fmt.Sprintf("v%d", i)})
		refs = append(refs, fmt.Sprintf("ssm:/p/%d", i))
	}
	for i := 0; i < 21; i++ {
		fake.PutSecret(awsfake.Secret{Name: fmt.Sprintf("s%d", i), String: fmt.Sprintf("sv%d", i)})
		refs = append(refs, fmt.Sprintf("secretsmanager:s%d", i))
	}
	res := resolveAll(t, fake, refs)
	for i := 0; i < 11; i++ {
		if r := res[mustParse(t, fmt.Sprintf("ssm:/p/%d", i))]; r.Err != nil || r.Value != fmt.Sprintf("v%d", i) || r.Version != "1" {
			t.Errorf("ssm:/p/%d = %+v, want v%d version 1", i, r, i)
		}
	}
	for i := 0; i < 21; i++ {
		if r := res[mustParse(t, fmt.Sprintf("secretsmanager:s%d", i))]; r.Err != nil || r.Value != fmt.Sprintf("sv%d", i) || r.Version == "" {
			t.Errorf("secretsmanager:s%d = %+v, want sv%d with a version", i, r, i)
		}
	}
	if got := fake.Count("GetParameters"); got != 2 {
		t.Errorf("11 names made %d GetParameters calls, want 2", got)
	}
	if got := fake.Count("BatchGetSecretValue"); got != 2 {
		t.Errorf("21 secrets made %d BatchGetSecretValue calls, want 2", got)
	}
	if got := fake.Count("GetSecretValue") + fake.Count("GetParameter"); got != 0 {
		t.Errorf("%d single-item calls, want 0", got)
	}
}

// TestRoundTrip checks that 50 SSM and 30 Secrets Manager references take 7
// calls (5 + 2) that are all in flight together: the fake holds each for
// 50ms, and all 7 arrive before the first is answered.
func TestRoundTrip(t *testing.T) {
	const latency = 50 * time.Millisecond
	fake := awsfake.Start(awsfake.Latency(latency))
	defer fake.Close()
	var refs []string
	for i := 0; i < 50; i++ {
		fake.PutParameter(awsfake.Parameter{Name: fmt.Sprintf("/svc/p%d", i), Value: "x", Type: "SecureString"})
		refs = append(refs, fmt.Sprintf("ssm:/svc/p%d", i))
	}
	for i := 0; i < 30; i++ {
		fake.PutSecret(awsfake.Secret{Name: fmt.Sprintf("svc/s%d", i), String: `{"k":"y"}`})
		refs = append(refs, fmt.Sprintf("secretsmanager:svc/s%d:k", i))
	}
	start := time.Now()
	res := resolveAll(t, fake, refs)
	elapsed := time.Since(start)
	for ref, r := range res {
		if r.Err != nil {
			t.Errorf("%s: %v", ref, r.Err)
		}
	}
	calls := len(fake.Calls())
	t.Logf("50 SSM + 30 Secrets Manager references: %d calls in %v (%v a call)", calls, elapsed, latency)
	if calls != 7 {
		t.Errorf("made %d calls, want 7", calls)
	}
	if !awsfake.Overlapping(fake.Calls()) {
		t.Errorf("the 7 calls were not all in flight together")
	}
}

func TestSameParameterTwiceInOneRequestList(t *testing.T) {
	fake := awsfake.Start()
	defer fake.Close()
	fake.PutParameter(awsfake.Parameter{Name: "/a", Value: "one"})
	fake.PutParameter(awsfake.Parameter{Name: "/a", Value: "two", Labels: []string{"live"}})
	arn := fake.ParameterARN("", "/a")
	refs := []string{"ssm:/a", "ssm:/a:1", "ssm:/a:2", "ssm:/a:live", "ssm:" + arn + ":1", "ssm:" + arn}
	want := []string{"two", "one", "two", "two", "one", "two"}
	for _, moto := range []bool{false, true} {
		fake.SetMoto(moto)
		res := resolveAll(t, fake, refs)
		for i, s := range refs {
			if r := res[mustParse(t, s)]; r.Err != nil || r.Value != want[i] {
				t.Errorf("moto=%v: %s = %+v, want %q", moto, s, r, want[i])
			}
		}
	}
}

func TestPinnedSecretsAndErrors(t *testing.T) {
	fake := awsfake.Start()
	defer fake.Close()
	_, v1 := fake.PutSecret(awsfake.Secret{Name: "db", String: `{"pw":"old"}`})
	fake.PutSecret(awsfake.Secret{Name: "db", String: `{"pw":"new"}`})
	res := resolveAll(t, fake, []string{
		"secretsmanager:db:pw", "secretsmanager:db:pw:AWSPREVIOUS", "secretsmanager:db:pw::" + v1,
		"secretsmanager:db:pw:NOSUCHSTAGE", "secretsmanager:nope", "ssm:/nope",
	})
	check := func(s, value string, kind Kind) {
		t.Helper()
		r := res[mustParse(t, s)]
		if value != "" && (r.Err != nil || r.Value != value) {
			t.Errorf("%s = %+v, want %q", s, r, value)
		}
		if value == "" {
			var e *Error
			if r.Err == nil || !errors.As(r.Err, &e) || e.Kind != kind {
				t.Errorf("%s = %+v, want an error of kind %d", s, r, kind)
			}
		}
	}
	check("secretsmanager:db:pw", "new", 0)
	check("secretsmanager:db:pw:AWSPREVIOUS", "old", 0)
	check("secretsmanager:db:pw::"+v1, "old", 0)
	check("secretsmanager:db:pw:NOSUCHSTAGE", "", NotFound)
	check("secretsmanager:nope", "", NotFound)
	check("ssm:/nope", "", NotFound)
}

// ssmFunc is a fake GetParameters for pure logic; GetParameter is unused.
type ssmFunc func(names []string) (*ssm.GetParametersOutput, error)

func (f ssmFunc) GetParameters(_ context.Context, in *ssm.GetParametersInput, _ ...func(*ssm.Options)) (*ssm.GetParametersOutput, error) {
	return f(in.Names)
}

func (f ssmFunc) GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	return nil, errors.New("unused")
}

func TestSSMValidationIsolatesTheBadName(t *testing.T) {
	// A name the parser accepts but the service refuses spoils the whole
	// call; the other names of its batch must still resolve.
	var calls [][]string
	fake := ssmFunc(func(names []string) (*ssm.GetParametersOutput, error) {
		calls = append(calls, names)
		out := &ssm.GetParametersOutput{}
		for _, n := range names {
			if n == "/refused" {
				return nil, &smithy.GenericAPIError{Code: "ValidationException", Message: "1 validation error detected"}
			}
			out.Parameters = append(out.Parameters, ssmtypes.Parameter{Name: aws.String(n), Value: aws.String("v" + n), Version: 1})
		}
		return out, nil
	})
	r := New(aws.Config{Region: "us-east-1"}, nil)
	r.ssm["us-east-1"] = fake
	res := r.Resolve(context.Background(), []Reference{mustParse(t, "ssm:/good"), mustParse(t, "ssm:/refused"), mustParse(t, "ssm:/fine")})
	if got := res[mustParse(t, "ssm:/good")]; got.Err != nil || got.Value != "v/good" {
		t.Errorf("ssm:/good = %+v, want v/good", got)
	}
	if got := res[mustParse(t, "ssm:/fine")]; got.Err != nil || got.Value != "v/fine" {
		t.Errorf("ssm:/fine = %+v, want v/fine", got)
	}
	if got := res[mustParse(t, "ssm:/refused")]; got.Err == nil || !strings.Contains(got.Err.Error(), "ValidationException") {
		t.Errorf("ssm:/refused = %+v, want the ValidationException", got)
	}
	if len(calls) != 4 {
		t.Errorf("made %d calls (%q), want 4: the batch, then each name alone", len(calls), calls)
	}
}
