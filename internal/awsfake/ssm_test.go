package awsfake

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

func TestParameterARN(t *testing.T) {
	s := start(t)
	for _, tt := range []struct{ region, name, want string }{
		{"", "/a/b/c", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b/c"},
		{"eu-west-1", "plain", "arn:aws:ssm:eu-west-1:123456789012:parameter/plain"},
		{"cn-north-1", "/x", "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x"},
		{"us-gov-west-1", "/x", "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x"},
	} {
		if got := s.ParameterARN(tt.region, tt.name); got != tt.want {
			t.Errorf("ParameterARN(%q, %q) = %q, want %q", tt.region, tt.name, got, tt.want)
		}
	}
}

func TestGetParameterSelectorsAndARNs(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/app/db/password", Type: "SecureString", Value: "one"})
	s.PutParameter(Parameter{Name: "/app/db/password", Type: "SecureString", Value: "two", Labels: []string{"blue"}})
	s.PutParameter(Parameter{Name: "/app/db/password", Type: "SecureString", Value: "three"})
	s.LabelParameterVersion("", "/app/db/password", 1, "green")
	s.PutParameter(Parameter{Name: "plain", Value: "p1"})
	s.PutParameter(Parameter{Name: "plain", Value: "p2"})
	arn := s.ParameterARN("", "/app/db/password")
	plainARN := s.ParameterARN("", "plain")
	c := newSSM(s, "us-east-1", noRetries())

	for _, tt := range []struct {
		name              string
		value, selector   string
		version           int64
		wantName, wantARN string
		wantType          types.ParameterType
	}{
		{"/app/db/password", "three", "", 3, "/app/db/password", arn, types.ParameterTypeSecureString},
		{"/app/db/password:1", "one", ":1", 1, "/app/db/password", arn, types.ParameterTypeSecureString},
		{"/app/db/password:blue", "two", ":blue", 2, "/app/db/password", arn, types.ParameterTypeSecureString},
		{"/app/db/password:green", "one", ":green", 1, "/app/db/password", arn, types.ParameterTypeSecureString},
		{arn, "three", "", 3, "/app/db/password", arn, types.ParameterTypeSecureString},
		{arn + ":2", "two", ":2", 2, "/app/db/password", arn, types.ParameterTypeSecureString},
		{arn + ":blue", "two", ":blue", 2, "/app/db/password", arn, types.ParameterTypeSecureString},
		{"plain", "p2", "", 2, "plain", plainARN, types.ParameterTypeString},
		{"plain:1", "p1", ":1", 1, "plain", plainARN, types.ParameterTypeString},
		{plainARN, "p2", "", 2, "plain", plainARN, types.ParameterTypeString},
		{plainARN + ":1", "p1", ":1", 1, "plain", plainARN, types.ParameterTypeString},
		// A one-level name takes its leading slash or not, and is echoed as asked.
		{"/plain", "p2", "", 2, "/plain", plainARN, types.ParameterTypeString},
		{"  plain  ", "p2", "", 2, "plain", plainARN, types.ParameterTypeString},
	} {
		out, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String(tt.name), WithDecryption: aws.Bool(true)})
		if err != nil {
			t.Errorf("GetParameter(%q): %v", tt.name, err)
			continue
		}
		p := out.Parameter
		got := []string{aws.ToString(p.Name), aws.ToString(p.Value), aws.ToString(p.Selector), aws.ToString(p.ARN), string(p.Type), aws.ToString(p.DataType)}
		want := []string{tt.wantName, tt.value, tt.selector, tt.wantARN, string(tt.wantType), "text"}
		if !slices.Equal(got, want) || p.Version != tt.version {
			t.Errorf("GetParameter(%q) = %q version %d, want %q version %d", tt.name, got, p.Version, want, tt.version)
		}
		if p.LastModifiedDate == nil || p.LastModifiedDate.IsZero() || p.SourceResult != nil {
			t.Errorf("GetParameter(%q): LastModifiedDate %v, SourceResult %v", tt.name, p.LastModifiedDate, p.SourceResult)
		}
	}
}

func TestGetParameterErrors(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/p", Value: "v"})
	s.PutParameter(Parameter{Region: "eu-west-1", Name: "/eu", Value: "v"})
	c := newSSM(s, "us-east-1", noRetries())

	var notFound *types.ParameterNotFound
	var versionNotFound *types.ParameterVersionNotFound
	var invalid *types.ValidationException
	for _, tt := range []struct {
		name string
		want any
	}{
		{"/missing", &notFound},
		{"/p:2", &versionNotFound},
		{"/p:nolabel", &notFound},
		{"/eu", &notFound}, // another region's
		{"arn:aws:ssm:eu-west-1:123456789012:parameter/eu", &notFound},
		{"arn:aws:ssm:us-east-1:999999999999:parameter/p", &notFound},
		{"arn:aws-cn:ssm:us-east-1:123456789012:parameter/p", &notFound},
		{"/bad name", &invalid},
		{"a/b", &invalid},
		{"/a//b", &invalid},
	} {
		_, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String(tt.name)})
		if !errors.As(err, tt.want) {
			t.Errorf("GetParameter(%q) error = %v, want %T", tt.name, err, tt.want)
		}
	}
	_, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/p:7")})
	if msg := errMessage(err); msg != "Systems Manager could not find version 7 of /p. Verify the version and try again." {
		t.Errorf("version not found message = %q", msg)
	}
	if _, err := newSSM(s, "eu-west-1", noRetries()).GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/eu")}); err != nil {
		t.Errorf("GetParameter(/eu) in eu-west-1: %v", err)
	}
}

func TestGetParameters(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/b", Value: "b1"})
	s.PutParameter(Parameter{Name: "/b", Value: "b2"})
	s.PutParameter(Parameter{Name: "/a", Value: "a"})
	s.PutParameter(Parameter{Name: "/list", Type: "StringList", Value: "x,y"})
	c := newSSM(s, "us-east-1", noRetries())

	names := []string{"/b:1", "/missing", "/b:9", "/b:nolabel", s.ParameterARN("", "/a"), "/list", "/missing"}
	out, err := c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: names})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range out.Parameters {
		got = append(got, aws.ToString(p.Name)+"="+aws.ToString(p.Value)+aws.ToString(p.Selector))
	}
	if want := []string{"/a=a", "/b=b1:1", "/list=x,y"}; !slices.Equal(got, want) {
		t.Errorf("GetParameters found %q, want %q (in name order)", got, want)
	}
	if want := []string{"/missing", "/b:9", "/b:nolabel"}; !slices.Equal(out.InvalidParameters, want) {
		t.Errorf("InvalidParameters = %q, want %q", out.InvalidParameters, want)
	}

	ten := []string{"/a", "/b", "/1", "/2", "/3", "/4", "/5", "/6", "/7", "/8"}
	if _, err := c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: ten}); err != nil {
		t.Errorf("GetParameters with 10 names: %v", err)
	}
	_, err = c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: append(ten, "/9")})
	var invalid *types.ValidationException
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "less than or equal to 10") {
		t.Errorf("GetParameters with 11 names error = %v, want ValidationException", err)
	}
	_, err = c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{"/a", "/bad name"}})
	if !errors.As(err, &invalid) {
		t.Errorf("GetParameters with a bad name error = %v, want ValidationException", err)
	}
}

func TestSecureStringDecryption(t *testing.T) {
	s := start(t)
	s.PutParameter(Parameter{Name: "/secure", Type: "SecureString", Value: "plaintext"})
	c := newSSM(s, "us-east-1", noRetries())
	for _, decrypt := range []bool{false, true} {
		out, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/secure"), WithDecryption: aws.Bool(decrypt)})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.Parameter.Value); (got == "plaintext") != decrypt || got == "" {
			t.Errorf("WithDecryption %v: Value = %q", decrypt, got)
		}
		many, err := c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{"/secure"}, WithDecryption: aws.Bool(decrypt)})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(many.Parameters[0].Value); (got == "plaintext") != decrypt {
			t.Errorf("GetParameters WithDecryption %v: Value = %q", decrypt, got)
		}
	}
}

func TestGetParametersByPath(t *testing.T) {
	s := start(t)
	for _, n := range []string{"/app/a", "/app/b", "/app/sub/c", "/app/sub/deep/d", "/apple", "/other/x", "root"} {
		s.PutParameter(Parameter{Name: n, Value: n})
	}
	s.PutParameter(Parameter{Region: "eu-west-1", Name: "/app/eu", Value: "eu"})
	c := newSSM(s, "us-east-1", noRetries())

	list := func(path string, recursive bool, max int32) []string {
		t.Helper()
		in := &ssm.GetParametersByPathInput{Path: aws.String(path), Recursive: aws.Bool(recursive)}
		if max > 0 {
			in.MaxResults = aws.Int32(max)
		}
		var names []string
		pages := ssm.NewGetParametersByPathPaginator(c, in)
		for pages.HasMorePages() {
			out, err := pages.NextPage(t.Context())
			if err != nil {
				t.Fatalf("GetParametersByPath(%q): %v", path, err)
			}
			if max > 0 && len(out.Parameters) > int(max) {
				t.Errorf("page of %d, MaxResults %d", len(out.Parameters), max)
			}
			for _, p := range out.Parameters {
				names = append(names, aws.ToString(p.Name))
			}
		}
		return names
	}
	for _, tt := range []struct {
		path      string
		recursive bool
		max       int32
		want      []string
	}{
		{"/app", false, 0, []string{"/app/a", "/app/b"}},
		{"/app/", false, 0, []string{"/app/a", "/app/b"}},
		{"/app", true, 0, []string{"/app/a", "/app/b", "/app/sub/c", "/app/sub/deep/d"}},
		{"/app", true, 1, []string{"/app/a", "/app/b", "/app/sub/c", "/app/sub/deep/d"}},
		{"/app/sub", true, 3, []string{"/app/sub/c", "/app/sub/deep/d"}},
		{"/", false, 0, []string{"/apple", "root"}},
		{"/nothing", true, 0, nil},
	} {
		if got := list(tt.path, tt.recursive, tt.max); !slices.Equal(got, tt.want) {
			t.Errorf("GetParametersByPath(%q, recursive %v, max %d) = %q, want %q", tt.path, tt.recursive, tt.max, got, tt.want)
		}
	}
	s.ResetCalls()
	list("/app", true, 1)
	if n := s.Count("GetParametersByPath"); n != 4 {
		t.Errorf("4 results at MaxResults 1 took %d calls, want 4", n)
	}

	var invalid *types.ValidationException
	_, err := c.GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{Path: aws.String("/app"), MaxResults: aws.Int32(11)})
	if !errors.As(err, &invalid) {
		t.Errorf("MaxResults 11 error = %v, want ValidationException", err)
	}
	_, err = c.GetParametersByPath(t.Context(), &ssm.GetParametersByPathInput{Path: aws.String("/app"), NextToken: aws.String("garbage")})
	var badToken *types.InvalidNextToken
	if !errors.As(err, &badToken) {
		t.Errorf("bad NextToken error = %v, want InvalidNextToken", err)
	}
}

func TestMotoMode(t *testing.T) {
	s := start(t, Moto())
	s.PutParameter(Parameter{Name: "/m", Value: "one"})
	s.PutParameter(Parameter{Name: "/m", Value: "two"})
	arn := s.ParameterARN("", "/m")
	c := newSSM(s, "us-east-1", noRetries())

	out, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/m:1")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Parameter.Selector != nil || aws.ToString(out.Parameter.Value) != "one" {
		t.Errorf("moto GetParameter(/m:1) = value %q selector %v, want one and no selector", aws.ToString(out.Parameter.Value), out.Parameter.Selector)
	}
	out, err = c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String(arn)})
	if err != nil || aws.ToString(out.Parameter.Value) != "two" {
		t.Errorf("moto GetParameter(ARN) = %v, %v; want it accepted", out, err)
	}
	many, err := c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{arn, "/m:2"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(many.InvalidParameters, []string{arn}) || len(many.Parameters) != 1 || many.Parameters[0].Selector != nil {
		t.Errorf("moto GetParameters = %+v invalid %q, want the ARN invalid and /m:2 found without selector", many.Parameters, many.InvalidParameters)
	}
	_, err = c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/nope")})
	if msg := errMessage(err); msg != "Parameter /nope not found." {
		t.Errorf("moto ParameterNotFound message = %q", msg)
	}

	s.SetMoto(false)
	many, err = c.GetParameters(t.Context(), &ssm.GetParametersInput{Names: []string{arn}})
	if err != nil || len(many.Parameters) != 1 {
		t.Errorf("after SetMoto(false), GetParameters(ARN) = %+v, %v", many, err)
	}
}

func TestPutParameterOverTheWire(t *testing.T) {
	s := start(t)
	c := newSSM(s, "ap-southeast-2", noRetries())
	put := func(overwrite bool, value string) (int64, error) {
		out, err := c.PutParameter(t.Context(), &ssm.PutParameterInput{Name: aws.String("/w"), Value: aws.String(value), Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(overwrite)})
		if err != nil {
			return 0, err
		}
		return out.Version, nil
	}
	if v, err := put(false, "1"); err != nil || v != 1 {
		t.Fatalf("PutParameter = %d, %v", v, err)
	}
	var exists *types.ParameterAlreadyExists
	if _, err := put(false, "2"); !errors.As(err, &exists) {
		t.Errorf("PutParameter without Overwrite error = %v, want ParameterAlreadyExists", err)
	}
	if v, err := put(true, "2"); err != nil || v != 2 {
		t.Errorf("PutParameter with Overwrite = %d, %v", v, err)
	}
	lab, err := c.LabelParameterVersion(t.Context(), &ssm.LabelParameterVersionInput{Name: aws.String("/w"), ParameterVersion: aws.Int64(1), Labels: []string{"old", "9bad"}})
	if err != nil || !slices.Equal(lab.InvalidLabels, []string{"9bad"}) {
		t.Errorf("LabelParameterVersion = %+v, %v", lab, err)
	}
	out, err := c.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String("/w:old"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(out.Parameter.Value) != "1" {
		t.Errorf("GetParameter(/w:old) = %v, %v", out, err)
	}
}
