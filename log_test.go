package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/secretenv/secretenv/internal/awsfake"
)

// TestJSONLog: SECRETENV_LOG_FORMAT=json writes one JSON object a line, with
// time, level, message, variable, reference and hint, and never a value.
func TestJSONLog(t *testing.T) {
	const value = "Qv7#jsonCanaryZ"
	fake := awsfake.Start()
	defer fake.Close()
	fake.PutParameter(awsfake.Parameter{Name: "/ok", Value: value})
	fake.Inject(awsfake.Fault{Action: "BatchGetSecretValue", Kind: awsfake.AccessDenied})
	fake.Inject(awsfake.Fault{Action: "GetSecretValue", Kind: awsfake.AccessDenied})
	cmd := secretenvCmd(fake, "--", "true")
	cmd.Env = append(cmd.Env, "SECRETENV_LOG_FORMAT=json", "SECRETENV_LOG_LEVEL=debug",
		"OK=ssm:/ok", "GONE=ssm:/gone", "DENIED=secretsmanager:db", "BAD=ssm:")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil {
		t.Fatal("secretenv succeeded, want status 125")
	}
	if strings.Contains(stderr.String(), value[:4]) {
		t.Fatalf("stderr holds part of a value:\n%s", stderr.String())
	}
	byVariable := map[string]map[string]any{}
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", line, err)
		}
		for _, k := range []string{"time", "level", "message"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("line %q has no %q", line, k)
			}
		}
		if v, ok := rec["variable"].(string); ok && rec["level"] == "error" {
			byVariable[v] = rec
		}
	}
	want := map[string]string{"GONE": "parameter not found", "DENIED": "access denied", "BAD": "missing parameter name"}
	for v, msg := range want {
		rec := byVariable[v]
		if rec == nil || !strings.HasPrefix(rec["message"].(string), msg) || rec["reference"] == nil {
			t.Errorf("record for %s = %v, want message %q and its reference", v, rec, msg)
		}
	}
	if hint, _ := byVariable["DENIED"]["hint"].(string); !strings.Contains(hint, "secretsmanager:GetSecretValue") {
		t.Errorf("DENIED's hint = %q, want the IAM action", hint)
	}
	if _, ok := byVariable["OK"]; ok {
		t.Errorf("a record for OK, which resolved")
	}
	last := lines[len(lines)-1]
	if !strings.Contains(last, "3 of 4 references could not be resolved") {
		t.Errorf("last line = %q, want the summary", last)
	}
}
