package awsfake

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

func TestSecretARN(t *testing.T) {
	s := start(t)
	arn := s.SecretARN("", "prod/db")
	if !regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-[A-Za-z0-9]{6}$`).MatchString(arn) {
		t.Errorf("SecretARN = %q", arn)
	}
	if again := s.SecretARN("us-east-1", "prod/db"); again != arn {
		t.Errorf("SecretARN is not stable: %q then %q", arn, again)
	}
	if other := s.SecretARN("eu-west-1", "prod/db"); !strings.HasPrefix(other, "arn:aws:secretsmanager:eu-west-1:") {
		t.Errorf("SecretARN in eu-west-1 = %q", other)
	}
	if got, _ := s.PutSecret(Secret{Name: "prod/db", String: "x"}); got != arn {
		t.Errorf("PutSecret ARN = %q, want %q", got, arn)
	}
}

func TestGetSecretValueIDs(t *testing.T) {
	s := start(t)
	arn, vid := s.PutSecret(Secret{Name: "prod/db", String: `{"password":"p"}`})
	partial := strings.TrimSuffix(arn, arn[len(arn)-7:])
	c := newSM(s, "us-east-1", noRetries())
	for _, id := range []string{"prod/db", arn, partial} {
		out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			t.Errorf("GetSecretValue(%q): %v", id, err)
			continue
		}
		got := []string{aws.ToString(out.ARN), aws.ToString(out.Name), aws.ToString(out.VersionId), aws.ToString(out.SecretString), strings.Join(out.VersionStages, ",")}
		want := []string{arn, "prod/db", vid, `{"password":"p"}`, "AWSCURRENT"}
		if !slices.Equal(got, want) || out.SecretBinary != nil || out.CreatedDate == nil {
			t.Errorf("GetSecretValue(%q) = %q, want %q", id, got, want)
		}
	}

	var notFound *types.ResourceNotFoundException
	for _, id := range []string{
		"prod/nope",
		"prod",
		strings.Replace(arn, "us-east-1", "eu-west-1", 1),
		strings.Replace(arn, Account, "999999999999", 1),
		arn[:len(arn)-1] + "Z",
	} {
		_, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if !errors.As(err, &notFound) || errMessage(err) != "Secrets Manager can't find the specified secret." {
			t.Errorf("GetSecretValue(%q) error = %v, want ResourceNotFoundException", id, err)
		}
	}
	if _, err := newSM(s, "eu-west-1", noRetries()).GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("prod/db")}); !errors.As(err, &notFound) {
		t.Errorf("GetSecretValue from another region error = %v, want ResourceNotFoundException", err)
	}
}

func TestSecretVersionsAndStages(t *testing.T) {
	s := start(t)
	_, v1 := s.PutSecret(Secret{Name: "api", String: "one"})
	_, v2 := s.PutSecret(Secret{Name: "api", String: "two"})
	_, v3 := s.PutSecret(Secret{Name: "api", String: "three", Stages: []string{"CANARY"}})
	_, v4 := s.PutSecret(Secret{Name: "api", String: "four"})
	if len(slices.Compact([]string{v1, v2, v3, v4})) != 4 {
		t.Fatalf("version ids are not distinct: %q", []string{v1, v2, v3, v4})
	}
	c := newSM(s, "us-east-1", noRetries())
	get := func(id, stage string) (string, []string, error) {
		in := &secretsmanager.GetSecretValueInput{SecretId: aws.String("api")}
		if id != "" {
			in.VersionId = aws.String(id)
		}
		if stage != "" {
			in.VersionStage = aws.String(stage)
		}
		out, err := c.GetSecretValue(t.Context(), in)
		if err != nil {
			return "", nil, err
		}
		return aws.ToString(out.SecretString), out.VersionStages, nil
	}
	for _, tt := range []struct {
		id, stage  string
		want       string
		wantStages []string
	}{
		{"", "", "four", []string{"AWSCURRENT"}},
		{"", "AWSCURRENT", "four", []string{"AWSCURRENT"}},
		{"", "AWSPREVIOUS", "two", []string{"AWSPREVIOUS"}},
		{"", "CANARY", "three", []string{"CANARY"}},
		{v1, "", "one", nil},
		{v2, "AWSPREVIOUS", "two", []string{"AWSPREVIOUS"}},
		{v4, "AWSCURRENT", "four", []string{"AWSCURRENT"}},
	} {
		got, stages, err := get(tt.id, tt.stage)
		if err != nil || got != tt.want || !slices.Equal(stages, tt.wantStages) {
			t.Errorf("GetSecretValue(id %q, stage %q) = %q %q, %v; want %q %q", tt.id, tt.stage, got, stages, err, tt.want, tt.wantStages)
		}
	}

	var notFound *types.ResourceNotFoundException
	var invalid *types.InvalidRequestException
	for _, tt := range []struct {
		id, stage string
		want      any
		msg       string
	}{
		{"", "NOPE", &notFound, "Secrets Manager can't find the specified secret value for staging label: NOPE"},
		{"00000000-0000-4000-a000-000000000000", "", &notFound, "Secrets Manager can't find the specified secret value for VersionId: 00000000-0000-4000-a000-000000000000"},
		{v1, "AWSCURRENT", &invalid, "You provided a VersionStage that is not associated to the provided VersionId."},
	} {
		_, _, err := get(tt.id, tt.stage)
		if !errors.As(err, tt.want) || errMessage(err) != tt.msg {
			t.Errorf("GetSecretValue(id %q, stage %q) error = %v, want %T %q", tt.id, tt.stage, err, tt.want, tt.msg)
		}
	}
}

func TestSecretBinary(t *testing.T) {
	s := start(t)
	bin := []byte{0, 1, 2, 0xff, '\n'}
	s.PutSecret(Secret{Name: "bin", Binary: bin})
	out, err := newSM(s, "us-east-1", noRetries()).GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("bin")})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.SecretBinary, bin) || out.SecretString != nil {
		t.Errorf("SecretBinary = %v, SecretString = %v; want %v and none", out.SecretBinary, out.SecretString, bin)
	}
}

func TestBatchGetSecretValue(t *testing.T) {
	s := start(t)
	arnA, _ := s.PutSecret(Secret{Name: "a", String: "A"})
	s.PutSecret(Secret{Name: "a", String: "A2"})
	s.PutSecret(Secret{Name: "b", Binary: []byte("B")})
	s.PutSecret(Secret{Name: "denied", String: "D"})
	s.Inject(Fault{Action: "GetSecretValue", Kind: AccessDenied, Item: "denied"})
	c := newSM(s, "us-east-1", noRetries())

	out, err := c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{
		SecretIdList: []string{arnA, "b", "missing", "denied", "a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range out.SecretValues {
		got = append(got, fmt.Sprintf("%s=%s%s %s", aws.ToString(v.Name), aws.ToString(v.SecretString), v.SecretBinary, strings.Join(v.VersionStages, ",")))
		if aws.ToString(v.ARN) == "" || aws.ToString(v.VersionId) == "" || v.CreatedDate == nil {
			t.Errorf("incomplete SecretValueEntry %+v", v)
		}
	}
	if want := []string{"a=A2 AWSCURRENT", "b=B AWSCURRENT"}; !slices.Equal(got, want) {
		t.Errorf("SecretValues = %q, want %q", got, want)
	}
	got = nil
	for _, e := range out.Errors {
		got = append(got, aws.ToString(e.SecretId)+" "+aws.ToString(e.ErrorCode))
	}
	if want := []string{"missing ResourceNotFoundException", "denied AccessDeniedException"}; !slices.Equal(got, want) {
		t.Errorf("Errors = %q, want %q", got, want)
	}
	if msg := aws.ToString(out.Errors[1].Message); !strings.Contains(msg, "is not authorized to perform: secretsmanager:GetSecretValue") {
		t.Errorf("access denied message = %q", msg)
	}

	ids := make([]string, 20)
	for i := range ids {
		ids[i] = fmt.Sprintf("s%d", i)
	}
	if _, err := c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids}); err != nil {
		t.Errorf("BatchGetSecretValue with 20 ids: %v", err)
	}
	_, err = c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: append(ids, "s20")})
	if errCode(err) != "ValidationException" || !strings.Contains(errMessage(err), "less than or equal to 20") {
		t.Errorf("BatchGetSecretValue with 21 ids error = %v, want ValidationException", err)
	}
	var badParam *types.InvalidParameterException
	if _, err := c.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{}); !errors.As(err, &badParam) {
		t.Errorf("BatchGetSecretValue with no ids error = %v, want InvalidParameterException", err)
	}
}

func TestSecretsOverTheWire(t *testing.T) {
	s := start(t)
	c := newSM(s, "us-west-2", noRetries())
	created, err := c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("w"), SecretString: aws.String("1")})
	if err != nil {
		t.Fatal(err)
	}
	if want := s.SecretARN("us-west-2", "w"); aws.ToString(created.ARN) != want {
		t.Errorf("CreateSecret ARN = %q, want %q", aws.ToString(created.ARN), want)
	}
	var exists *types.ResourceExistsException
	if _, err := c.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("w"), SecretString: aws.String("1")}); !errors.As(err, &exists) {
		t.Errorf("second CreateSecret error = %v, want ResourceExistsException", err)
	}
	put, err := c.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: created.ARN, SecretBinary: []byte("2")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("w")})
	if err != nil || string(out.SecretBinary) != "2" || aws.ToString(out.VersionId) != aws.ToString(put.VersionId) {
		t.Errorf("GetSecretValue after PutSecretValue = %+v, %v", out, err)
	}
	prev, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("w"), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || aws.ToString(prev.SecretString) != "1" {
		t.Errorf("AWSPREVIOUS after PutSecretValue = %+v, %v", prev, err)
	}
}
