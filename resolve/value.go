package resolve

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// jsonKey reads a top-level key of a secret that is a JSON object. A string
// is given as the string; any other JSON value as its text exactly as
// written in the secret (never through float64: 1000000 stays 1000000).
//
// The errors never carry encoding/json's messages, which quote the input.
func jsonKey(secret, key string) (string, *Error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(secret), &obj); err != nil || obj == nil {
		return "", fail(BadValue, "the secret is not a JSON object, so JSON key "+strconv.Quote(key)+" cannot be read", "", nil)
	}
	raw, ok := obj[key]
	if !ok {
		return "", fail(BadValue, "JSON key "+strconv.Quote(key)+" not found in the secret", "keys are matched exactly, case included, at the top level only", nil)
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fail(BadValue, "JSON key "+strconv.Quote(key)+" holds a string that cannot be read", "", nil)
		}
		return s, nil
	}
	return string(raw), nil
}

// checkText refuses a SecretBinary that is not text an environment can hold.
func checkText(b []byte) *Error {
	if !utf8.Valid(b) {
		return fail(BadValue, "the secret is binary (SecretBinary) and not valid UTF-8, so it cannot be an environment value", "store it as SecretString, base64-encoded if need be", nil)
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return fail(BadValue, "the secret is binary (SecretBinary) and holds a NUL byte, so it cannot be an environment value", "store it as SecretString, base64-encoded if need be", nil)
	}
	return nil
}
