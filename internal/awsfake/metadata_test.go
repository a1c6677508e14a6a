package awsfake

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// isolateAWSEnv clears what the SDK's default chain would otherwise find.
func isolateAWSEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_EC2_METADATA_DISABLED",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
		"AWS_CA_BUNDLE",
	} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
}

func TestIMDSRegionAndCredentials(t *testing.T) {
	isolateAWSEnv(t)
	s := start(t, Region("eu-central-1"))
	s.PutParameter(Parameter{Region: "eu-central-1", Name: "/p", Value: "v"})
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", s.IMDSEndpoint())

	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithEC2IMDSRegion())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-central-1" {
		t.Errorf("region from IMDS = %q, want eu-central-1", cfg.Region)
	}
	creds, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil || creds.AccessKeyID != IMDSAccessKeyID {
		t.Fatalf("credentials from IMDS = %+v, %v", creds, err)
	}
	c := ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(s.URL) })
	if _, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/p")}); err != nil {
		t.Fatal(err)
	}
	calls := s.CallsFor("GetParameter")
	if len(calls) != 1 || calls[0].AccessKeyID != IMDSAccessKeyID || calls[0].Region != "eu-central-1" {
		t.Errorf("GetParameter calls = %+v, want one signed with the IMDS role in eu-central-1", calls)
	}
	if s.Count("IMDS") == 0 {
		t.Error("no IMDS call logged")
	}
}

func TestIMDSWithoutRegion(t *testing.T) {
	isolateAWSEnv(t)
	s := start(t, Region(""))
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", s.IMDSEndpoint())
	// The SDK reports a host without a region as an error of LoadDefaultConfig.
	_, err := config.LoadDefaultConfig(t.Context(), config.WithEC2IMDSRegion())
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("LoadDefaultConfig with no IMDS region error = %v, want a 404 from IMDS", err)
	}
	s.SetIMDSRegion("ap-south-1")
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithEC2IMDSRegion())
	if err != nil || cfg.Region != "ap-south-1" {
		t.Errorf("region after SetIMDSRegion = %q, %v", cfg.Region, err)
	}
}

func TestIMDSWithoutCredentials(t *testing.T) {
	isolateAWSEnv(t)
	s := start(t, NoIMDSCredentials())
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", s.IMDSEndpoint())
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	if creds, err := cfg.Credentials.Retrieve(t.Context()); err == nil {
		t.Errorf("credentials = %+v, want none", creds)
	}
}

func TestIMDSTokens(t *testing.T) {
	s := start(t)
	do := func(method, path string, header ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL+path, nil)
		for i := 0; i < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, _ := do("PUT", "/latest/api/token"); resp.StatusCode != 400 {
		t.Errorf("token without a TTL = %d, want 400", resp.StatusCode)
	}
	resp, tok := do("PUT", "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds", "60")
	if resp.StatusCode != 200 || tok == "" || resp.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds") != "60" {
		t.Fatalf("token = %d %q", resp.StatusCode, tok)
	}
	if resp, body := do("GET", "/latest/meta-data/placement/region", "X-aws-ec2-metadata-token", tok); resp.StatusCode != 200 || body != DefaultRegion {
		t.Errorf("region with a token = %d %q", resp.StatusCode, body)
	}
	if resp, _ := do("GET", "/latest/meta-data/placement/region", "X-aws-ec2-metadata-token", "forged"); resp.StatusCode != 401 {
		t.Errorf("region with a forged token = %d, want 401", resp.StatusCode)
	}
	if resp, body := do("GET", "/latest/meta-data/iam/security-credentials/"); resp.StatusCode != 200 || body != IMDSRole {
		t.Errorf("role list = %d %q", resp.StatusCode, body)
	}
	if resp, _ := do("GET", "/latest/meta-data/nothing"); resp.StatusCode != 404 {
		t.Errorf("unknown path = %d, want 404", resp.StatusCode)
	}
}

func TestContainerCredentials(t *testing.T) {
	isolateAWSEnv(t)
	s := start(t, ContainerAuthToken("Bearer task-token"))
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", s.ContainerCredentialsURL())
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer task-token")
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil || creds.AccessKeyID != ContainerAccessKeyID || !creds.CanExpire {
		t.Errorf("container credentials = %+v, %v", creds, err)
	}

	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer wrong")
	cfg, err = config.LoadDefaultConfig(t.Context(), config.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	if creds, err := cfg.Credentials.Retrieve(t.Context()); err == nil {
		t.Errorf("credentials with a wrong token = %+v, want an error", creds)
	}
	if n := s.CountErrors("ContainerCredentials", "AccessDenied"); n == 0 {
		t.Error("refused container credentials request not logged")
	}
}

func TestTLS(t *testing.T) {
	s := StartTLS()
	defer s.Close()
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") {
		t.Errorf("URL = %q", s.URL)
	}
	s.PutParameter(Parameter{Name: "/tls", Value: "v"})

	// The CA as a test would hand it to AWS_CA_BUNDLE.
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, s.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	isolateAWSEnv(t)
	t.Setenv("AWS_CA_BUNDLE", bundle)
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(staticCreds(testKeyID)), config.WithRetryMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	c := ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.BaseEndpoint = aws.String(s.URL) })
	out, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/tls")})
	if err != nil || aws.ToString(out.Parameter.Value) != "v" {
		t.Fatalf("GetParameter over TLS with AWS_CA_BUNDLE = %v, %v", out, err)
	}
	if _, err := newSSM(s, "us-east-1", noRetries()).GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/tls")}); err != nil {
		t.Errorf("GetParameter with HTTPClient(): %v", err)
	}

	// Without the CA, the certificate is not trusted.
	plain := ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL), Credentials: staticCreds(testKeyID), Retryer: noRetries(),
		HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: x509.NewCertPool()}}}})
	_, err = plain.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/tls")})
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("GetParameter without the CA error = %v, want x509.UnknownAuthorityError", err)
	}

	// A dropped connection works over TLS too.
	s.Inject(Fault{Kind: Drop, Count: 1})
	if _, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/tls")}); err == nil || errCode(err) != "" {
		t.Errorf("dropped TLS request error = %v, want a transport error", err)
	}
	if plainServer := start(t); plainServer.CACertPEM() != nil {
		t.Error("a plain HTTP server has a CA")
	}
}
