package awsfake

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Parameter is an SSM parameter version to put.
type Parameter struct {
	Region string `json:"region,omitempty"` // "" is us-east-1
	Name   string `json:"name"`             // "/a/b/c" or "plain"
	Type   string `json:"type,omitempty"`   // String (default), SecureString, StringList
	Value  string `json:"value"`
	// Labels are attached to the new version (and moved off older ones).
	Labels []string `json:"labels,omitempty"`
}

type param struct {
	region, name string
	versions     []*paramVersion // versions[i] is version i+1
}

type paramVersion struct {
	version  int64
	typ      string
	value    string
	labels   []string
	modified time.Time
}

var (
	paramNameRE = regexp.MustCompile(`^/?[a-zA-Z0-9_.\-]+(/[a-zA-Z0-9_.\-]+)*$`)
	labelRE     = regexp.MustCompile(`^[a-zA-Z0-9_.\-]{1,100}$`)
)

const paramNameRules = `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`

func validParamName(name string) bool {
	return len(name) <= 2048 && paramNameRE.MatchString(name) && (!strings.Contains(name, "/") || strings.HasPrefix(name, "/"))
}

func validParamType(t string) bool {
	return t == "String" || t == "SecureString" || t == "StringList"
}

// paramKey is the map key of a parameter. SSM takes a one-level name with or
// without its leading slash ("/x" and "x" are one parameter; its ARN is
// .../parameter/x either way).
func paramKey(region, name string) string {
	if strings.HasPrefix(name, "/") && strings.Count(name, "/") == 1 {
		name = name[1:]
	}
	return key(region, name)
}

// ParameterARN is the ARN of a parameter: the leading slash of a hierarchical
// name is not doubled (parameter/a/b/c for /a/b/c, parameter/plain for plain).
func (s *Server) ParameterARN(region, name string) string {
	return parameterARN(regionOr(region), name)
}

func parameterARN(region, name string) string {
	if !strings.HasPrefix(name, "/") {
		name = "/" + name
	}
	return "arn:" + Partition(region) + ":ssm:" + region + ":" + Account + ":parameter" + name
}

// PutParameter adds a version to a parameter (creating it at version 1) and
// returns the version. It panics on a name or type SSM would refuse.
func (s *Server) PutParameter(p Parameter) (version int64) {
	if !validParamName(p.Name) {
		panic(fmt.Sprintf("awsfake: PutParameter: bad name %q", p.Name))
	}
	if p.Type == "" {
		p.Type = "String"
	}
	if !validParamType(p.Type) {
		panic(fmt.Sprintf("awsfake: PutParameter %s: bad type %q", p.Name, p.Type))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putParam(p)
}

func (s *Server) putParam(p Parameter) int64 {
	region := regionOr(p.Region)
	k := paramKey(region, p.Name)
	pm := s.params[k]
	if pm == nil {
		pm = &param{region: region, name: p.Name}
		s.params[k] = pm
	}
	typ := p.Type
	if typ == "" {
		typ = "String"
	}
	v := &paramVersion{version: int64(len(pm.versions) + 1), typ: typ, value: p.Value, modified: time.Now()}
	pm.versions = append(pm.versions, v)
	pm.label(v, p.Labels)
	return v.version
}

// label moves labels onto v.
func (pm *param) label(v *paramVersion, labels []string) {
	for _, l := range labels {
		for _, o := range pm.versions {
			o.labels = slices.DeleteFunc(o.labels, func(x string) bool { return x == l })
		}
		v.labels = append(v.labels, l)
	}
}

// LabelParameterVersion attaches labels to a version (0 is the latest),
// moving them off other versions. It panics if there is no such version.
func (s *Server) LabelParameterVersion(region, name string, version int64, labels ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pm := s.params[paramKey(regionOr(region), name)]
	if pm == nil {
		panic(fmt.Sprintf("awsfake: LabelParameterVersion: no parameter %s in %s", name, regionOr(region)))
	}
	if version == 0 {
		version = int64(len(pm.versions))
	}
	if version < 1 || version > int64(len(pm.versions)) {
		panic(fmt.Sprintf("awsfake: LabelParameterVersion: no version %d of %s", version, name))
	}
	pm.label(pm.versions[version-1], labels)
}

// paramRef is a parameter as a request names it.
type paramRef struct {
	raw       string // as requested
	name      string // the plain name
	selector  string // version or label, "" for the latest
	arn       bool   // named by ARN
	elsewhere bool   // an ARN of another partition, region or account
}

// parseParamRef reads "name", "name:selector", "arn:...:parameter/name" or
// "arn:...:parameter/name:selector".
func parseParamRef(region, raw string) (paramRef, *apiError) {
	ref := paramRef{raw: raw}
	s := strings.TrimSpace(raw) // SSM trims the ends of a name
	if strings.HasPrefix(s, "arn:") {
		ref.arn = true
		f := strings.SplitN(s, ":", 6)
		if len(f) != 6 || f[2] != "ssm" || !strings.HasPrefix(f[5], "parameter/") {
			return ref, validation("Invalid ARN " + raw)
		}
		ref.elsewhere = f[1] != Partition(region) || f[3] != region || f[4] != Account
		s = strings.TrimPrefix(f[5], "parameter")
	}
	name, sel, hasSel := strings.Cut(s, ":")
	if !validParamName(name) {
		return ref, validation(paramNameRules)
	}
	if hasSel && !labelRE.MatchString(sel) {
		return ref, validation("Invalid label or version " + sel)
	}
	ref.name, ref.selector = name, sel
	return ref, nil
}

// findParam finds the version a ref names; s.mu is held.
func (s *Server) findParam(region string, ref paramRef) (*param, *paramVersion, *apiError) {
	notFound := &apiError{http.StatusBadRequest, "ParameterNotFound", ""}
	if s.moto {
		notFound.message = "Parameter " + ref.name + " not found."
	}
	pm := s.params[paramKey(region, ref.name)]
	if pm == nil || ref.elsewhere {
		return nil, nil, notFound
	}
	switch {
	case ref.selector == "":
		return pm, pm.versions[len(pm.versions)-1], nil
	case isDigits(ref.selector):
		n, err := strconv.ParseInt(ref.selector, 10, 64)
		if err != nil || n < 1 || n > int64(len(pm.versions)) {
			return nil, nil, &apiError{http.StatusBadRequest, "ParameterVersionNotFound",
				fmt.Sprintf("Systems Manager could not find version %s of %s. Verify the version and try again.", ref.selector, ref.name)}
		}
		return pm, pm.versions[n-1], nil
	}
	for _, v := range pm.versions {
		if slices.Contains(v.labels, ref.selector) {
			return pm, v, nil
		}
	}
	return nil, nil, notFound
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

type wireParameter struct {
	Name             string
	Type             string
	Value            string
	Version          int64
	Selector         string `json:",omitempty"`
	LastModifiedDate float64
	ARN              string
	DataType         string
}

func (s *Server) wireParam(pm *param, v *paramVersion, ref paramRef, decrypt bool) wireParameter {
	name := pm.name
	if ref.name != "" && !ref.arn {
		name = ref.name // SSM echoes "/x" or "x" as asked
	}
	w := wireParameter{
		Name:             name,
		Type:             v.typ,
		Value:            v.value,
		Version:          v.version,
		LastModifiedDate: epoch(v.modified),
		ARN:              parameterARN(pm.region, pm.name),
		DataType:         "text",
	}
	if v.typ == "SecureString" && !decrypt {
		w.Value = ciphertext(pm, v)
	}
	if ref.selector != "" && !s.moto {
		w.Selector = ":" + ref.selector
	}
	return w
}

// ciphertext stands for the KMS blob SSM returns without WithDecryption.
func ciphertext(pm *param, v *paramVersion) string {
	sum := sha256.Sum256([]byte(pm.region + "\x00" + pm.name + "\x00" + v.value))
	return base64.StdEncoding.EncodeToString(append([]byte("AQICAHawsfake"), sum[:]...))
}

func (s *Server) deniedParam(q *request, ref paramRef) bool {
	return s.denied(q, ref.raw, ref.name, parameterARN(q.region, ref.name))
}

func (s *Server) getParameter(q *request) (any, *apiError) {
	var req struct {
		Name           string
		WithDecryption bool
	}
	if err := q.decode(&req); err != nil {
		return nil, err
	}
	ref, err := parseParamRef(q.region, req.Name)
	if err != nil {
		return nil, err
	}
	if s.deniedParam(q, ref) {
		return nil, accessDenied(q.svc, q.action, parameterARN(q.region, ref.name))
	}
	pm, v, err := s.findParam(q.region, ref)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Parameter": s.wireParam(pm, v, ref, req.WithDecryption)}, nil
}

func (s *Server) getParameters(q *request) (any, *apiError) {
	var req struct {
		Names          []string
		WithDecryption bool
	}
	if err := q.decode(&req); err != nil {
		return nil, err
	}
	if len(req.Names) == 0 {
		return nil, validation("1 validation error detected: Value '[]' at 'names' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(req.Names) > 10 {
		return nil, tooMany("names", req.Names, 10)
	}
	refs := make([]paramRef, len(req.Names))
	for i, raw := range req.Names {
		ref, err := parseParamRef(q.region, raw)
		if err != nil {
			return nil, err
		}
		if s.deniedParam(q, ref) {
			return nil, accessDenied(q.svc, q.action, parameterARN(q.region, ref.name))
		}
		refs[i] = ref
	}
	params := []wireParameter{}
	invalid := []string{}
	seen := map[string]bool{}
	for _, ref := range refs {
		if seen[ref.raw] {
			continue
		}
		seen[ref.raw] = true
		if ref.arn && s.moto {
			invalid = append(invalid, ref.raw)
			continue
		}
		pm, v, err := s.findParam(q.region, ref)
		if err != nil {
			invalid = append(invalid, ref.raw)
			continue
		}
		params = append(params, s.wireParam(pm, v, ref, req.WithDecryption))
	}
	slices.SortStableFunc(params, func(a, b wireParameter) int { return strings.Compare(a.Name, b.Name) })
	return map[string]any{"Parameters": params, "InvalidParameters": invalid}, nil
}

func (s *Server) getParametersByPath(q *request) (any, *apiError) {
	var req struct {
		Path             string
		Recursive        bool
		WithDecryption   bool
		MaxResults       *int
		NextToken        string
		ParameterFilters []any
	}
	if err := q.decode(&req); err != nil {
		return nil, err
	}
	if len(req.ParameterFilters) > 0 {
		return nil, validation("awsfake does not implement ParameterFilters")
	}
	max := 10
	if req.MaxResults != nil {
		max = *req.MaxResults
		if max < 1 || max > 10 {
			return nil, validation(fmt.Sprintf("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10", max))
		}
	}
	path := req.Path
	if path != "/" {
		path = strings.TrimSuffix(path, "/")
		if !strings.HasPrefix(path, "/") || !validParamName(path) {
			return nil, validation("The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\".")
		}
	}
	if s.denied(q, req.Path, path) {
		return nil, accessDenied(q.svc, q.action, parameterARN(q.region, path))
	}
	var names []string
	for _, pm := range s.params {
		if pm.region != q.region {
			continue
		}
		name := pm.name
		if !strings.HasPrefix(name, "/") {
			name = "/" + name // a plain name sits at the root
		}
		prefix := strings.TrimSuffix(path, "/") + "/"
		rest, under := strings.CutPrefix(name, prefix)
		if !under || (!req.Recursive && strings.Contains(rest, "/")) {
			continue
		}
		names = append(names, pm.name)
	}
	slices.Sort(names)
	start := 0
	if req.NextToken != "" {
		n, err := decodeToken(req.NextToken, path)
		if err != nil || n > len(names) {
			return nil, &apiError{http.StatusBadRequest, "InvalidNextToken", "The specified token isn't valid."}
		}
		start = n
	}
	end := min(start+max, len(names))
	params := []wireParameter{}
	for _, name := range names[start:end] {
		ref := paramRef{raw: name, name: name}
		if s.deniedParam(q, ref) {
			return nil, accessDenied(q.svc, q.action, parameterARN(q.region, name))
		}
		pm := s.params[paramKey(q.region, name)]
		params = append(params, s.wireParam(pm, pm.versions[len(pm.versions)-1], ref, req.WithDecryption))
	}
	out := map[string]any{"Parameters": params}
	if end < len(names) {
		out["NextToken"] = encodeToken(end, path)
	}
	return out, nil
}

func encodeToken(n int, scope string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(n) + "\x00" + scope))
}

func decodeToken(tok, scope string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, err
	}
	n, sc, _ := strings.Cut(string(b), "\x00")
	if sc != scope {
		return 0, errNotFound
	}
	return strconv.Atoi(n)
}

func (s *Server) putParameterAPI(q *request) (any, *apiError) {
	var req struct {
		Name      string
		Value     string
		Type      string
		Overwrite bool
	}
	if err := q.decode(&req); err != nil {
		return nil, err
	}
	if !validParamName(req.Name) {
		return nil, validation(paramNameRules)
	}
	pm := s.params[paramKey(q.region, req.Name)]
	if pm != nil && !req.Overwrite {
		return nil, &apiError{http.StatusBadRequest, "ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true."}
	}
	if req.Type == "" && pm != nil {
		req.Type = pm.versions[len(pm.versions)-1].typ
	}
	if req.Type == "" {
		return nil, validation("A parameter type is required when you create a parameter.")
	}
	if !validParamType(req.Type) {
		return nil, validation(fmt.Sprintf("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", req.Type))
	}
	v := s.putParam(Parameter{Region: q.region, Name: req.Name, Type: req.Type, Value: req.Value})
	return map[string]any{"Version": v, "Tier": "Standard"}, nil
}

func (s *Server) labelParameterVersionAPI(q *request) (any, *apiError) {
	var req struct {
		Name             string
		ParameterVersion int64
		Labels           []string
	}
	if err := q.decode(&req); err != nil {
		return nil, err
	}
	pm := s.params[paramKey(q.region, req.Name)]
	if pm == nil {
		return nil, &apiError{http.StatusBadRequest, "ParameterNotFound", ""}
	}
	v := req.ParameterVersion
	if v == 0 {
		v = int64(len(pm.versions))
	}
	if v < 1 || v > int64(len(pm.versions)) {
		return nil, &apiError{http.StatusBadRequest, "ParameterVersionNotFound",
			fmt.Sprintf("Systems Manager could not find version %d of %s. Verify the version and try again.", v, req.Name)}
	}
	var good []string
	invalid := []string{}
	for _, l := range req.Labels {
		low := strings.ToLower(l)
		if !labelRE.MatchString(l) || (l[0] >= '0' && l[0] <= '9') || strings.HasPrefix(low, "aws") || strings.HasPrefix(low, "ssm") {
			invalid = append(invalid, l)
			continue
		}
		good = append(good, l)
	}
	pm.label(pm.versions[v-1], good)
	return map[string]any{"InvalidLabels": invalid, "ParameterVersion": v}, nil
}
