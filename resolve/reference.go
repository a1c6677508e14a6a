package resolve

import (
	"errors"
	"fmt"
	"strings"
)

// Service is the AWS service a reference names.
type Service int

const (
	// SSM is AWS Systems Manager Parameter Store.
	SSM Service = iota + 1
	// SecretsManager is AWS Secrets Manager.
	SecretsManager
)

// The prefixes that make a string a reference.
const (
	ssmPrefix = "ssm:"
	smPrefix  = "secretsmanager:"
)

func (s Service) String() string {
	switch s {
	case SSM:
		return "ssm"
	case SecretsManager:
		return "secretsmanager"
	}
	return "invalid"
}

// Reference is a parsed secret reference. Its zero value is invalid. It is
// comparable, so equal references can be fetched once.
type Reference struct {
	Service Service

	// ID is what is sent to AWS: an SSM parameter name or ARN without its
	// selector, or a Secrets Manager secret name, partial ARN or ARN.
	ID string

	// Selector is an SSM version number or label, without its colon.
	Selector string

	// JSONKey, VersionStage and VersionID are the trailing fields of a
	// Secrets Manager reference. VersionStage is never "AWSCURRENT" when
	// VersionID is empty: that is the default and is left empty.
	JSONKey      string
	VersionStage string
	VersionID    string

	// Partition, Region and Account are set when ID is an ARN.
	Partition string
	Region    string
	Account   string
}

// IsReference reports whether s starts like a reference. A string for which
// it is true must parse; one that does not is an error.
func IsReference(s string) bool {
	return strings.HasPrefix(s, ssmPrefix) || strings.HasPrefix(s, smPrefix)
}

// Parse parses a reference. Its errors say what is wrong in plain words and
// never repeat the input.
func Parse(s string) (Reference, error) {
	switch {
	case strings.HasPrefix(s, ssmPrefix):
		return parseSSM(s[len(ssmPrefix):])
	case strings.HasPrefix(s, smPrefix):
		return parseSecretsManager(s[len(smPrefix):])
	}
	return Reference{}, errors.New(`not a reference: it must start with "ssm:" or "secretsmanager:"`)
}

// String renders r in its canonical form: Parse(r.String()) == r.
func (r Reference) String() string {
	switch r.Service {
	case SSM:
		if r.Selector != "" {
			return ssmPrefix + r.ID + ":" + r.Selector
		}
		return ssmPrefix + r.ID
	case SecretsManager:
		return smPrefix + r.ID + strings.TrimRight(":"+r.JSONKey+":"+r.VersionStage+":"+r.VersionID, ":")
	}
	return "<invalid reference>"
}

// IsARN reports whether r names its parameter or secret by ARN.
func (r Reference) IsARN() bool { return r.Partition != "" }

// Current reports whether r reads the AWSCURRENT version of a secret.
func (r Reference) Current() bool {
	return r.Service == SecretsManager && r.VersionStage == "" && r.VersionID == ""
}

func parseSSM(s string) (Reference, error) {
	r := Reference{Service: SSM}
	if strings.HasPrefix(s, "//") {
		// remind101/ssm-env: everything after "ssm://" is the name.
		s = s[2:]
	} else if strings.HasPrefix(s, "arn:") {
		return parseSSMARN(s)
	}
	name, sel, hasSel := strings.Cut(s, ":")
	if err := checkParameterName(name); err != nil {
		return Reference{}, err
	}
	r.ID = name
	if hasSel {
		if err := checkSelector(sel); err != nil {
			return Reference{}, err
		}
		r.Selector = sel
	}
	return r, nil
}

func parseSSMARN(s string) (Reference, error) {
	f := strings.Split(s, ":")
	if len(f) < 6 || f[2] != "ssm" || !strings.HasPrefix(f[5], "parameter/") {
		return Reference{}, errors.New("malformed SSM parameter ARN: want arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME[:VERSION-OR-LABEL]")
	}
	if len(f) > 7 {
		return Reference{}, errors.New("malformed SSM parameter ARN: too many colons")
	}
	r := Reference{Service: SSM, ID: strings.Join(f[:6], ":")}
	if err := setARN(&r, f); err != nil {
		return Reference{}, err
	}
	name := strings.TrimPrefix(f[5], "parameter")
	if strings.Count(name, "/") == 1 {
		name = name[1:] // parameter/plain-name
	}
	if err := checkParameterName(name); err != nil {
		return Reference{}, err
	}
	if len(f) == 7 {
		if err := checkSelector(f[6]); err != nil {
			return Reference{}, err
		}
		r.Selector = f[6]
	}
	return r, nil
}

func parseSecretsManager(s string) (Reference, error) {
	r := Reference{Service: SecretsManager}
	var rest []string
	if strings.HasPrefix(s, "arn:") {
		f := strings.Split(s, ":")
		if len(f) < 7 || f[2] != "secretsmanager" || f[5] != "secret" {
			return Reference{}, errors.New("malformed Secrets Manager ARN: want arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME")
		}
		if err := setARN(&r, f); err != nil {
			return Reference{}, err
		}
		if err := checkSecretName(f[6]); err != nil {
			return Reference{}, err
		}
		r.ID, rest = strings.Join(f[:7], ":"), f[7:]
	} else {
		f := strings.Split(s, ":")
		if err := checkSecretName(f[0]); err != nil {
			return Reference{}, err
		}
		r.ID, rest = f[0], f[1:]
	}
	if len(rest) > 3 {
		return Reference{}, errors.New("too many fields: want SECRET[:JSON-KEY[:VERSION-STAGE[:VERSION-ID]]]")
	}
	rest = append(rest, "", "", "")
	r.JSONKey, r.VersionStage, r.VersionID = rest[0], rest[1], rest[2]
	if strings.ContainsRune(r.JSONKey, 0) {
		return Reference{}, errors.New("JSON key holds a NUL byte")
	}
	if r.VersionStage != "" && !validChars(r.VersionStage, 256, labelChar) {
		return Reference{}, errors.New("malformed version stage: want letters, digits, '.', '-' or '_'")
	}
	if r.VersionID != "" && !validChars(r.VersionID, 64, func(c byte) bool { return alnum(c) || c == '-' }) {
		return Reference{}, errors.New("malformed version id: want letters, digits and '-'")
	}
	if r.VersionStage == "AWSCURRENT" && r.VersionID == "" {
		r.VersionStage = ""
	}
	return r, nil
}

// setARN checks and records the partition, region and account of an ARN
// split on colons.
func setARN(r *Reference, f []string) error {
	if !strings.HasPrefix(f[1], "aws") || !validChars(f[1], 32, func(c byte) bool { return lower(c) || c == '-' }) {
		return errors.New("malformed ARN: unknown partition")
	}
	if f[3] == "" || !validChars(f[3], 32, func(c byte) bool { return lower(c) || digit(c) || c == '-' }) {
		return errors.New("malformed ARN: missing or bad region")
	}
	if len(f[4]) != 12 || !validChars(f[4], 12, digit) {
		return errors.New("malformed ARN: the account must be 12 digits")
	}
	r.Partition, r.Region, r.Account = f[1], f[3], f[4]
	return nil
}

func checkParameterName(name string) error {
	switch {
	case name == "":
		return errors.New("missing parameter name")
	case len(name) > 2048:
		return errors.New("parameter name longer than 2048 characters")
	case !validChars(name, 2048, func(c byte) bool { return alnum(c) || c == '_' || c == '.' || c == '-' || c == '/' }):
		return errors.New("malformed parameter name: use letters, digits, '.', '-', '_' and '/'")
	case strings.Contains(name, "/") && !strings.HasPrefix(name, "/"):
		return errors.New("malformed parameter name: a name with '/' must start with '/'")
	case strings.Contains(name, "//") || (len(name) > 1 && strings.HasSuffix(name, "/")) || name == "/":
		return errors.New("malformed parameter name: empty path segment")
	}
	return nil
}

func checkSelector(sel string) error {
	switch {
	case sel == "":
		return errors.New("empty version or label after ':'")
	case strings.Contains(sel, ":"):
		return errors.New("too many ':': want NAME or NAME:VERSION-OR-LABEL")
	case validChars(sel, 20, digit):
		if strings.TrimLeft(sel, "0") == "" {
			return errors.New("parameter versions start at 1")
		}
		return nil
	case digit(sel[0]):
		return errors.New("malformed label: a label cannot start with a digit")
	case !validChars(sel, 100, labelChar):
		return errors.New("malformed version or label: want a number, or up to 100 letters, digits, '.', '-' or '_'")
	}
	return nil
}

func checkSecretName(name string) error {
	switch {
	case name == "":
		return errors.New("missing secret name")
	case !validChars(name, 2048, func(c byte) bool {
		return alnum(c) || strings.IndexByte("/_+=.@-", c) >= 0
	}):
		return fmt.Errorf("malformed secret name: use letters, digits and %s", "/_+=.@-")
	}
	return nil
}

// validChars reports whether s is 1 to max bytes, each allowed by ok.
func validChars(s string, max int, ok func(byte) bool) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func digit(c byte) bool     { return '0' <= c && c <= '9' }
func lower(c byte) bool     { return 'a' <= c && c <= 'z' }
func alnum(c byte) bool     { return digit(c) || lower(c) || ('A' <= c && c <= 'Z') }
func labelChar(c byte) bool { return alnum(c) || c == '.' || c == '-' || c == '_' }
