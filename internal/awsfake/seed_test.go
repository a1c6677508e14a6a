package awsfake

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

func TestSampleSeed(t *testing.T) {
	s := start(t)
	if err := s.LoadSeed("../../testdata/awsfake/sample.json"); err != nil {
		t.Fatal(err)
	}
	c, sm := newSSM(s, "us-east-1", noRetries()), newSM(s, "us-east-1", noRetries())

	out, err := c.GetParameters(t.Context(), &ssm.GetParametersInput{
		Names:          []string{"/dev/db/password", "/dev/db/password:1", "/dev/db/password:live", "feature-flag"},
		WithDecryption: aws.Bool(true),
	})
	if err != nil || len(out.Parameters) != 4 {
		t.Fatalf("GetParameters on the sample = %+v, %v", out, err)
	}
	if v := aws.ToString(out.Parameters[0].Value); v != "correct horse battery staple" {
		t.Errorf("/dev/db/password = %q", v)
	}
	if _, err := newSSM(s, "eu-west-1", noRetries()).GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/dev/eu/api-key")}); err != nil {
		t.Errorf("the eu-west-1 parameter: %v", err)
	}

	db, err := sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("dev/db")})
	if err != nil {
		t.Fatal(err)
	}
	// The JSON is kept as written: 1000000 stays 1000000.
	if str := aws.ToString(db.SecretString); !strings.Contains(str, `"pool": 1000000`) || !strings.Contains(str, `"password": "s3cr3t=with=equals"`) {
		t.Errorf("dev/db SecretString = %q", str)
	}
	prev, err := sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("dev/api-token"), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || aws.ToString(prev.SecretString) != "token-v1" {
		t.Errorf("dev/api-token AWSPREVIOUS = %v, %v", prev, err)
	}
	key, err := sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("dev/signing-key")})
	if err != nil || string(key.SecretBinary) != "\x00\x01\x02\x03\x04\x05\x06\x07" {
		t.Errorf("dev/signing-key = %v, %v", key, err)
	}
}

func TestSeedErrors(t *testing.T) {
	s := start(t)
	for _, bad := range []string{
		`{"parameters": [{"name": "a b", "value": "x"}]}`,
		`{"parameters": [{"name": "/x", "type": "Number", "value": "x"}]}`,
		`{"secrets": [{"string": "x"}]}`,
		`{"secrets": [{"name": "x", "string": "x", "json": {}}]}`,
		`{"parameter": []}`,
		`not json`,
	} {
		if err := s.SeedJSON([]byte(bad)); err == nil {
			t.Errorf("SeedJSON(%s) succeeded", bad)
		}
	}
	if err := s.LoadSeed("no/such/file.json"); err == nil {
		t.Error("LoadSeed of a missing file succeeded")
	}
	if n := len(s.params) + len(s.secrets); n != 0 {
		t.Errorf("a bad seed put %d items", n)
	}
}
