package awsfake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Secret is a Secrets Manager secret version to put.
type Secret struct {
	Region string `json:"region,omitempty"` // "" is us-east-1
	Name   string `json:"name"`
	// String is the SecretString, used when Binary is nil.
	String string `json:"string,omitempty"`
	// Binary is the SecretBinary (base64 in JSON, as on the wire).
	Binary []byte `json:"binary,omitempty"`
	// Stages are the staging labels of the new version, default AWSCURRENT.
	// A label moves off the version that had it; when AWSCURRENT moves, the
	// version that had it becomes AWSPREVIOUS.
	Stages []string `json:"stages,omitempty"`
}

type secret struct {
	region, name, arn string
	created           time.Time
	versions          []*secretVersion
}

type secretVersion struct {
	id      string
	str     *string
	bin     []byte
	stages  []string
	created time.Time
}

const (
	stageCurrent  = "AWSCURRENT"
	stagePrevious = "AWSPREVIOUS"
)

// SecretARN is the ARN of a secret: the name followed by a dash and six
// characters, as AWS does (here derived from the region and name, so it is
// the same on every run).
func (s *Server) SecretARN(region, name string) string {
	return secretARN(regionOr(region), name)
}

func secretARN(region, name string) string {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	sum := sha256.Sum256([]byte("arn\x00" + region + "\x00" + name))
	var suffix [6]byte
	for i := range suffix {
		suffix[i] = alnum[int(sum[i])%len(alnum)]
	}
	return "arn:" + Partition(region) + ":secretsmanager:" + region + ":" + Account + ":secret:" + name + "-" + string(suffix[:])
}

func versionID(region, name string, n int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("version\x00%s\x00%s\x00%d", region, name, n)))
	x := hex.EncodeToString(sum[:16])
	return x[:8] + "-" + x[8:12] + "-4" + x[13:16] + "-a" + x[17:20] + "-" + x[20:32]
}

// PutSecret adds a version to a secret (creating the secret) and returns the
// secret's ARN and the new VersionId.
func (s *Server) PutSecret(sec Secret) (arn, versionID string) {
	if sec.Name == "" {
		panic("awsfake: PutSecret: empty name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, v := s.putSecret(sec)
	return sc.arn, v.id
}

func (s *Server) putSecret(sec Secret) (*secret, *secretVersion) {
	region := regionOr(sec.Region)
	k := key(region, sec.Name)
	sc := s.secrets[k]
	now := time.Now()
	if sc == nil {
		sc = &secret{region: region, name: sec.Name, arn: secretARN(region, sec.Name), created: now}
		s.secrets[k] = sc
	}
	v := &secretVersion{id: versionID(region, sec.Name, len(sc.versions)+1), created: now}
	if sec.Binary != nil {
		v.bin = slices.Clone(sec.Binary)
	} else {
		str := sec.String
		v.str = &str
	}
	stages := sec.Stages
	if len(stages) == 0 {
		stages = []string{stageCurrent}
	}
	for _, st := range stages {
		sc.moveStage(st, v)
	}
	sc.versions = append(sc.versions, v)
	return sc, v
}

// moveStage puts a staging label on v, taking it off the version that had it.
func (sc *secret) moveStage(stage string, v *secretVersion) {
	for _, o := range sc.versions {
		if o == v || !slices.Contains(o.stages, stage) {
			continue
		}
		o.stages = slices.DeleteFunc(o.stages, func(x string) bool { return x == stage })
		if stage == stageCurrent {
			sc.moveStage(stagePrevious, o)
		}
	}
	if !slices.Contains(v.stages, stage) {
		v.stages = append(v.stages, stage)
	}
}

func (sc *secret) stage(stage string) *secretVersion {
	for _, v := range sc.versions {
		if slices.Contains(v.stages, stage) {
			return v
		}
	}
	return nil
}

// findSecret finds a secret by name, full ARN or partial ARN (the ARN without
// the -XXXXXX suffix); s.mu is held.
func (s *Server) findSecret(region, id string) *secret {
	if !strings.HasPrefix(id, "arn:") {
		return s.secrets[key(region, id)]
	}
	f := strings.SplitN(id, ":", 7)
	if len(f) != 7 || f[1] != Partition(region) || f[2] != "secretsmanager" || f[3] != region || f[4] != Account || f[5] != "secret" {
		return nil
	}
	for _, sc := range s.secrets {
		if sc.region == region && sc.arn == id {
			return sc
		}
	}
	return s.secrets[key(region, f[6])] // a partial ARN
}

func notFoundSecret() *apiError {
	return &apiError{http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret."}
}

// secretIDs are the ids an item-level fault may name for a request's id.
func secretIDs(id string, sc *secret) []string {
	if sc == nil {
		return []string{id}
	}
	return []string{id, sc.name, sc.arn}
}

type wireSecretValue struct {
	ARN           string
	Name          string
	VersionId     string
	SecretString  *string `json:",omitempty"`
	SecretBinary  []byte  `json:",omitempty"`
	VersionStages []string
	CreatedDate   float64
}

func wireSecret(sc *secret, v *secretVersion) wireSecretValue {
	return wireSecretValue{
		ARN:           sc.arn,
		Name:          sc.name,
		VersionId:     v.id,
		SecretString:  v.str,
		SecretBinary:  v.bin,
		VersionStages: slices.Clone(v.stages),
		CreatedDate:   epoch(v.created),
	}
}

func (s *Server) getSecretValue(q *request) (any, *apiError) {
	var req struct {
		SecretId     string
		VersionId    string
		VersionStage string
	}
	if err := q.decode(&req); err != nil {
		return nil, err
	}
	if req.SecretId == "" {
		return nil, validation("1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null")
	}
	sc := s.findSecret(q.region, req.SecretId)
	if s.denied(q, secretIDs(req.SecretId, sc)...) {
		resource := req.SecretId
		if sc != nil {
			resource = sc.arn
		}
		return nil, accessDenied(q.svc, q.action, resource)
	}
	if sc == nil {
		return nil, notFoundSecret()
	}
	var v *secretVersion
	switch {
	case req.VersionId != "":
		for _, o := range sc.versions {
			if o.id == req.VersionId {
				v = o
			}
		}
		if v == nil {
			return nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for VersionId: " + req.VersionId}
		}
		if req.VersionStage != "" && !slices.Contains(v.stages, req.VersionStage) {
			return nil, &apiError{http.StatusBadRequest, "InvalidRequestException", "You provided a VersionStage that is not associated to the provided VersionId."}
		}
	default:
		stage := req.VersionStage
		if stage == "" {
			stage = stageCurrent
		}
		if v = sc.stage(stage); v == nil {
			return nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: " + stage}
		}
	}
	return wireSecret(sc, v), nil
}

type apiErrorEntry struct {
	SecretId  string
	ErrorCode string
	Message   string
}

func (s *Server) batchGetSecretValue(q *request) (any, *apiError) {
	var req struct {
		SecretIdList []string
		Filters      []any
		MaxResults   *int
		NextToken    string
	}
	if err := q.decode(&req); err != nil {
		return nil, err
	}
	if len(req.Filters) > 0 {
		if len(req.SecretIdList) > 0 {
			return nil, &apiError{http.StatusBadRequest, "InvalidParameterException", "Either 'SecretIdList' or 'Filters' must be provided, but not both."}
		}
		return nil, &apiError{http.StatusBadRequest, "InvalidRequestException", "awsfake does not implement Filters"}
	}
	if len(req.SecretIdList) == 0 {
		return nil, &apiError{http.StatusBadRequest, "InvalidParameterException", "Either 'SecretIdList' or 'Filters' must be provided."}
	}
	if len(req.SecretIdList) > 20 {
		return nil, tooMany("secretIdList", req.SecretIdList, 20)
	}
	values := []wireSecretValue{}
	errs := []apiErrorEntry{}
	seen := map[string]bool{}
	// The batch needs secretsmanager:GetSecretValue on each secret too.
	single := *q
	single.action, single.target = "GetSecretValue", smService.target+".GetSecretValue"
	for _, id := range req.SecretIdList {
		sc := s.findSecret(q.region, id)
		switch {
		case s.denied(q, secretIDs(id, sc)...) || s.denied(&single, secretIDs(id, sc)...):
			resource := id
			if sc != nil {
				resource = sc.arn
			}
			e := accessDenied(q.svc, "GetSecretValue", resource)
			errs = append(errs, apiErrorEntry{id, e.code, e.message})
		case sc == nil:
			e := notFoundSecret()
			errs = append(errs, apiErrorEntry{id, e.code, e.message})
		case !seen[sc.arn]:
			seen[sc.arn] = true
			if v := sc.stage(stageCurrent); v != nil {
				values = append(values, wireSecret(sc, v))
			}
		}
	}
	return map[string]any{"SecretValues": values, "Errors": errs}, nil
}

type putSecretRequest struct {
	Name          string
	SecretId      string
	SecretString  *string
	SecretBinary  []byte
	VersionStages []string
}

func (r putSecretRequest) secret(region, name string) (Secret, *apiError) {
	if (r.SecretString == nil) == (r.SecretBinary == nil) {
		return Secret{}, &apiError{http.StatusBadRequest, "InvalidParameterException", "You must provide either SecretString or SecretBinary."}
	}
	sec := Secret{Region: region, Name: name, Binary: r.SecretBinary, Stages: r.VersionStages}
	if r.SecretString != nil {
		sec.String = *r.SecretString
	}
	return sec, nil
}

func (s *Server) createSecretAPI(q *request) (any, *apiError) {
	var req putSecretRequest
	if err := q.decode(&req); err != nil {
		return nil, err
	}
	if req.Name == "" {
		return nil, validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
	}
	if s.secrets[key(q.region, req.Name)] != nil {
		return nil, &apiError{http.StatusBadRequest, "ResourceExistsException", "The operation failed because the secret " + req.Name + " already exists."}
	}
	req.VersionStages = nil
	sec, err := req.secret(q.region, req.Name)
	if err != nil {
		return nil, err
	}
	sc, v := s.putSecret(sec)
	return map[string]any{"ARN": sc.arn, "Name": sc.name, "VersionId": v.id}, nil
}

func (s *Server) putSecretValueAPI(q *request) (any, *apiError) {
	var req putSecretRequest
	if err := q.decode(&req); err != nil {
		return nil, err
	}
	sc := s.findSecret(q.region, req.SecretId)
	if sc == nil {
		return nil, notFoundSecret()
	}
	sec, err := req.secret(q.region, sc.name)
	if err != nil {
		return nil, err
	}
	_, v := s.putSecret(sec)
	return map[string]any{"ARN": sc.arn, "Name": sc.name, "VersionId": v.id, "VersionStages": v.stages}, nil
}
