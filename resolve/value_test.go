package resolve

import (
	"fmt"
	"strings"
	"testing"
)

func TestJSONKey(t *testing.T) {
	secret := `{"password":"p=a:s\ns\"w","port":5432,"big":1000000,"float":1e6,"ok":true,"none":null,` +
		`"list":[1, 2,"x"],"obj":{"a" : 1},"empty":"","utf":"héllo ✓","esc":"\u00e9"}`
	tests := []struct{ key, want string }{
		{"password", "p=a:s\ns\"w"},
		{"port", "5432"},
		{"big", "1000000"},
		{"float", "1e6"},
		{"ok", "true"},
		{"none", "null"},
		{"list", `[1, 2,"x"]`},
		{"obj", `{"a" : 1}`},
		{"empty", ""},
		{"utf", "héllo ✓"},
		{"esc", "é"},
	}
	for _, tt := range tests {
		got, err := jsonKey(secret, tt.key)
		if err != nil || got != tt.want {
			t.Errorf("jsonKey(%q) = %q, %v, want %q", tt.key, got, err, tt.want)
		}
	}
}

func TestJSONKeyErrors(t *testing.T) {
	const canary = "Zq9vCanaryXw"
	tests := []struct {
		secret, key, want string
	}{
		{`{"a":"` + canary + `"}`, "b", `JSON key "b" not found`},
		{`{"a":"` + canary + `"}`, "A", `JSON key "A" not found`},
		{canary, "a", "not a JSON object"},
		{`{"a":"` + canary, "a", "not a JSON object"},
		{`["` + canary + `"]`, "a", "not a JSON object"},
		{`"` + canary + `"`, "a", "not a JSON object"},
		{`null`, "a", "not a JSON object"},
		{`{"a":"` + canary + `"} trailing` + canary, "a", "not a JSON object"},
		{``, "a", "not a JSON object"},
	}
	for _, tt := range tests {
		got, err := jsonKey(tt.secret, tt.key)
		if err == nil {
			t.Errorf("jsonKey(%q, %q) = %q, want an error", tt.secret, tt.key, got)
			continue
		}
		msg := err.Error() + " " + err.Hint
		if !strings.Contains(msg, tt.want) || strings.Contains(msg, canary[:4]) || err.Kind != BadValue {
			t.Errorf("jsonKey(%q, %q) error = %q (kind %d), want %q, kind BadValue, and no part of the secret", tt.secret, tt.key, msg, err.Kind, tt.want)
		}
	}
}

func TestFinishBinary(t *testing.T) {
	ref := Reference{Service: SecretsManager, ID: "bin"}
	if r := finish(ref, fetched{binary: []byte("text ✓"), version: "v1"}); r.Err != nil || r.Value != "text ✓" || r.Version != "v1" {
		t.Errorf("finish(utf-8 binary) = %+v, want the text", r)
	}
	if r := finish(ref, fetched{binary: []byte{}}); r.Err != nil || r.Value != "" {
		t.Errorf("finish(empty binary) = %+v, want empty", r)
	}
	for _, b := range [][]byte{{0xff, 0xfe}, []byte("a\x00b")} {
		r := finish(ref, fetched{binary: b})
		if r.Err == nil || r.Value != "" || !strings.Contains(r.Err.Error(), "binary") {
			t.Errorf("finish(%q) = %+v, want a binary error", b, r)
		}
	}
	withKey := Reference{Service: SecretsManager, ID: "bin", JSONKey: "k"}
	if r := finish(withKey, fetched{binary: []byte(`{"k":"v"}`)}); r.Err == nil || !strings.Contains(r.Err.Error(), "SecretString only") {
		t.Errorf("finish(binary with JSON key) = %+v, want an error", r)
	}
}

func TestSSMBatches(t *testing.T) {
	var names []string
	for i := 0; i < 25; i++ {
		names = append(names, fmt.Sprintf("/p/%d", i))
	}
	b := ssmBatches(names)
	if len(b) != 3 || len(b[0]) != 10 || len(b[1]) != 10 || len(b[2]) != 5 {
		t.Errorf("ssmBatches(25 names) sizes = %v, want 10, 10, 5", sizes(b))
	}

	// The same parameter by name, selector and ARN never shares a batch.
	same := []string{"/a/b", "/a/b:1", "/a/b:live", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b", "/c", "c"}
	b = ssmBatches(same)
	if len(b) != 4 {
		t.Errorf("ssmBatches(%q) = %q, want 4 batches", same, b)
	}
	for _, batch := range b {
		seen := map[string]bool{}
		for _, n := range batch {
			if seen[parameterKey(n)] {
				t.Errorf("batch %q holds %q twice", batch, parameterKey(n))
			}
			seen[parameterKey(n)] = true
		}
	}
}

func TestParameterKey(t *testing.T) {
	tests := map[string]string{
		"/a/b":      "a/b",
		"/a/b:3":    "a/b",
		"plain":     "plain",
		"plain:lbl": "plain",
		"arn:aws:ssm:us-east-1:123456789012:parameter/a/b":   "a/b",
		"arn:aws:ssm:us-east-1:123456789012:parameter/a/b:7": "a/b",
		"arn:aws:ssm:us-east-1:123456789012:parameter/plain": "plain",
	}
	for in, want := range tests {
		if got := parameterKey(in); got != want {
			t.Errorf("parameterKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecretMatches(t *testing.T) {
	const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"
	tests := []struct {
		id   string
		want bool
	}{
		{"prod/db", true},
		{arn, true},
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db", true},
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod", false},
		{"prod", false},
		{"prod/db-AbCdEf", false},
	}
	for _, tt := range tests {
		if got := secretMatches(tt.id, "prod/db", arn); got != tt.want {
			t.Errorf("secretMatches(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}

func sizes(b [][]string) []int {
	var s []int
	for _, x := range b {
		s = append(s, len(x))
	}
	return s
}
