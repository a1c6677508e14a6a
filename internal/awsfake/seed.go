package awsfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// Seed is the JSON a fake can be loaded from (see testdata/awsfake/sample.json):
//
//	{
//	  "parameters": [{"region": "", "name": "/dev/db/host", "type": "String", "value": "db", "labels": ["prod"]}],
//	  "secrets":    [{"name": "dev/db", "json": {"password": "x", "port": 5432}},
//	                 {"name": "dev/token", "string": "t"},
//	                 {"name": "dev/cert", "binary": "AAEC"}]
//	}
//
// Entries apply in order, so a name listed twice gets two versions. A secret's
// "json" is stored as its SecretString byte for byte, as written in the file.
type Seed struct {
	Parameters []Parameter  `json:"parameters"`
	Secrets    []SeedSecret `json:"secrets"`
}

// SeedSecret is a Secret whose SecretString may be given as JSON.
type SeedSecret struct {
	Secret
	JSON json.RawMessage `json:"json,omitempty"`
}

// LoadSeed reads a seed file and puts its items.
func (s *Server) LoadSeed(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := s.SeedJSON(b); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// SeedJSON puts the items of a seed document; it checks every item before
// putting any.
func (s *Server) SeedJSON(b []byte) error {
	var seed Seed
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&seed); err != nil {
		return err
	}
	for i, p := range seed.Parameters {
		if !validParamName(p.Name) {
			return fmt.Errorf("parameters[%d]: bad name %q", i, p.Name)
		}
		if p.Type != "" && !validParamType(p.Type) {
			return fmt.Errorf("parameters[%d] %s: bad type %q", i, p.Name, p.Type)
		}
	}
	for i, sec := range seed.Secrets {
		if sec.Name == "" {
			return fmt.Errorf("secrets[%d]: no name", i)
		}
		n := 0
		for _, set := range []bool{sec.String != "", sec.Binary != nil, sec.JSON != nil} {
			if set {
				n++
			}
		}
		if n > 1 {
			return fmt.Errorf("secrets[%d] %s: more than one of string, binary and json", i, sec.Name)
		}
	}
	for _, p := range seed.Parameters {
		s.PutParameter(p)
	}
	for _, sec := range seed.Secrets {
		if sec.JSON != nil {
			sec.String = string(sec.JSON)
		}
		s.PutSecret(sec.Secret)
	}
	return nil
}
