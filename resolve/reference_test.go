package resolve

import (
	"strings"
	"testing"
)

const (
	testSSMARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/password"
	testSMARN  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Reference
		str  string // canonical form; "" means in
	}{
		{"ssm:/prod/db/password", Reference{Service: SSM, ID: "/prod/db/password"}, ""},
		{"ssm:plain-name", Reference{Service: SSM, ID: "plain-name"}, ""},
		{"ssm:a.b_c-d", Reference{Service: SSM, ID: "a.b_c-d"}, ""},
		{"ssm:/prod/db/password:3", Reference{Service: SSM, ID: "/prod/db/password", Selector: "3"}, ""},
		{"ssm:/prod/db/password:live", Reference{Service: SSM, ID: "/prod/db/password", Selector: "live"}, ""},
		{"ssm:" + testSSMARN, Reference{Service: SSM, ID: testSSMARN, Partition: "aws", Region: "eu-west-1", Account: "123456789012"}, ""},
		{"ssm:" + testSSMARN + ":7", Reference{Service: SSM, ID: testSSMARN, Selector: "7", Partition: "aws", Region: "eu-west-1", Account: "123456789012"}, ""},
		{"ssm:arn:aws-cn:ssm:cn-north-1:123456789012:parameter/plain", Reference{Service: SSM, ID: "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/plain", Partition: "aws-cn", Region: "cn-north-1", Account: "123456789012"}, ""},
		{"ssm:arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/a/b:lbl", Reference{Service: SSM, ID: "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/a/b", Selector: "lbl", Partition: "aws-us-gov", Region: "us-gov-west-1", Account: "123456789012"}, ""},
		{"ssm:///prod/db/password", Reference{Service: SSM, ID: "/prod/db/password"}, "ssm:/prod/db/password"},
		{"ssm://plain", Reference{Service: SSM, ID: "plain"}, "ssm:plain"},
		{"ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", Reference{Service: SSM, ID: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"}, ""},

		{"secretsmanager:prod/db", Reference{Service: SecretsManager, ID: "prod/db"}, ""},
		{"secretsmanager:prod/db:password", Reference{Service: SecretsManager, ID: "prod/db", JSONKey: "password"}, ""},
		{"secretsmanager:prod/db:password::", Reference{Service: SecretsManager, ID: "prod/db", JSONKey: "password"}, "secretsmanager:prod/db:password"},
		{"secretsmanager:prod/db::AWSPREVIOUS:", Reference{Service: SecretsManager, ID: "prod/db", VersionStage: "AWSPREVIOUS"}, "secretsmanager:prod/db::AWSPREVIOUS"},
		{"secretsmanager:prod/db:::0123-abcd", Reference{Service: SecretsManager, ID: "prod/db", VersionID: "0123-abcd"}, ""},
		{"secretsmanager:prod/db::AWSCURRENT", Reference{Service: SecretsManager, ID: "prod/db"}, "secretsmanager:prod/db"},
		{"secretsmanager:prod/db::AWSCURRENT:v1", Reference{Service: SecretsManager, ID: "prod/db", VersionStage: "AWSCURRENT", VersionID: "v1"}, ""},
		{"secretsmanager:" + testSMARN, Reference{Service: SecretsManager, ID: testSMARN, Partition: "aws", Region: "us-east-1", Account: "123456789012"}, ""},
		{"secretsmanager:" + testSMARN + ":password::", Reference{Service: SecretsManager, ID: testSMARN, JSONKey: "password", Partition: "aws", Region: "us-east-1", Account: "123456789012"}, "secretsmanager:" + testSMARN + ":password"},
		{"secretsmanager:" + testSMARN + "::AWSPREVIOUS:", Reference{Service: SecretsManager, ID: testSMARN, VersionStage: "AWSPREVIOUS", Partition: "aws", Region: "us-east-1", Account: "123456789012"}, "secretsmanager:" + testSMARN + "::AWSPREVIOUS"},
		{"secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db", Reference{Service: SecretsManager, ID: "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db", Partition: "aws", Region: "us-east-1", Account: "123456789012"}, ""},
		{"secretsmanager:a+b=c.d@e_f-g", Reference{Service: SecretsManager, ID: "a+b=c.d@e_f-g"}, ""},
		{"secretsmanager:db:key with spaces", Reference{Service: SecretsManager, ID: "db", JSONKey: "key with spaces"}, ""},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		want := tt.str
		if want == "" {
			want = tt.in
		}
		if s := got.String(); s != want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, s, want)
		}
		if back, err := Parse(got.String()); err != nil || back != got {
			t.Errorf("Parse(%q) = %+v, %v, want %+v", got.String(), back, err, got)
		}
	}
}

func TestParseErrors(t *testing.T) {
	bad := []string{
		"ssm:",
		"ssm:bad name",
		"ssm:/a/b:",
		"ssm:/a/b:3:4",
		"ssm:/a/b:0",
		"ssm:/a/b:3x",
		"ssm:/a/b:la bel",
		"ssm:a/b",
		"ssm://a/b",
		"ssm:/a//b",
		"ssm:/a/b/",
		"ssm:/",
		"ssm:///",
		"ssm:/a\x00b",
		"ssm:/ä",
		"ssm:" + strings.Repeat("a", 2049),
		"ssm:arn:aws:ssm:eu-west-1:123456789012:parameter/",
		"ssm:arn:aws:ssm:eu-west-1:123456789012:parameter/a:1:2",
		"ssm:arn:aws:ssm:eu-west-1:12345:parameter/a",
		"ssm:arn:aws:ssm::123456789012:parameter/a",
		"ssm:arn:aws:s3:eu-west-1:123456789012:parameter/a",
		"ssm:arn:aws:ssm:eu-west-1:123456789012:secret/a",
		"ssm:arn:gcp:ssm:eu-west-1:123456789012:parameter/a",
		"ssm:arn:aws:ssm:eu-west-1",
		"secretsmanager:",
		"secretsmanager:a:b:c:d:e",
		"secretsmanager:bad name",
		"secretsmanager:a::bad stage",
		"secretsmanager:a:::bad/id",
		"secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret",
		"secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:",
		"secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:parameter:x",
		"secretsmanager:" + testSMARN + ":a:b:c:d",
		"secretsmanager:a:k\x00ey",
		"SSM:/a",
		"/a",
	}
	for _, s := range bad {
		r, err := Parse(s)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", s, r)
			continue
		}
		if msg := err.Error(); len(s) > 8 && strings.Contains(msg, s) {
			t.Errorf("Parse(%q) error %q repeats the input", s, msg)
		}
	}
}

func TestIsReference(t *testing.T) {
	tests := map[string]bool{
		"ssm:/a":            true,
		"ssm:":              true,
		"secretsmanager:x":  true,
		"secretsmanager:":   true,
		"":                  false,
		"ssm":               false,
		"SSM:/a":            false,
		"url=ssm:/a":        false,
		"x secretsmanager:": false,
		" ssm:/a":           false,
	}
	for s, want := range tests {
		if got := IsReference(s); got != want {
			t.Errorf("IsReference(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestZeroReference(t *testing.T) {
	var r Reference
	if got := r.String(); got != "<invalid reference>" {
		t.Errorf("Reference{}.String() = %q, want <invalid reference>", got)
	}
	if _, err := Parse(r.String()); err == nil {
		t.Errorf("Parse(Reference{}.String()) succeeded, want an error")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"ssm:/prod/db/password", "ssm:/a:3", "ssm:/a:live", "ssm:///a", "ssm://a",
		"ssm:" + testSSMARN + ":2", "secretsmanager:prod/db:password",
		"secretsmanager:" + testSMARN + ":k:AWSPREVIOUS:v", "secretsmanager:a::AWSCURRENT:",
		"secretsmanager:a:b:c:d:e", "ssm:", "x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if IsReference(s) != (strings.HasPrefix(s, "ssm:") || strings.HasPrefix(s, "secretsmanager:")) {
			t.Fatalf("IsReference(%q) disagrees with the prefixes", s)
		}
		if err != nil {
			if r != (Reference{}) {
				t.Fatalf("Parse(%q) = %+v with error %v, want the zero Reference", s, r, err)
			}
			return
		}
		if !IsReference(s) {
			t.Fatalf("Parse(%q) succeeded on a non-reference", s)
		}
		back, err := Parse(r.String())
		if err != nil || back != r {
			t.Fatalf("Parse(%q) = %+v, %v, want %+v (from %q)", r.String(), back, err, r, s)
		}
		if back.String() != r.String() {
			t.Fatalf("String() not stable: %q then %q", r.String(), back.String())
		}
	})
}
