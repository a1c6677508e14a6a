package awsfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The credentials the metadata endpoints hand out, so a test can tell from
// the call log which source signed a request.
const (
	IMDSRole                  = "awsfake-role"
	IMDSAccessKeyID           = "ASIAAWSFAKEIMDS00001"
	ContainerAccessKeyID      = "ASIAAWSFAKEECS000001"
	ContainerCredentialsPath  = "/ecs/credentials"
	imdsTokenHeader           = "X-Aws-Ec2-Metadata-Token"
	imdsTokenTTLHeader        = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
	fakeSecretAccessKey       = "awsfake/secret/access/key/not/a/real/one"
	fakeSessionToken          = "awsfake-session-token"
	credentialsLifetime       = 6 * time.Hour
	imdsInstanceID            = "i-0a1b2c3d4e5f60718"
	containerCredentialsLabel = "ContainerCredentials"
)

// IMDSEndpoint is the value for AWS_EC2_METADATA_SERVICE_ENDPOINT.
func (s *Server) IMDSEndpoint() string { return s.URL }

// ContainerCredentialsURL is the value for AWS_CONTAINER_CREDENTIALS_FULL_URI.
func (s *Server) ContainerCredentialsURL() string { return s.URL + ContainerCredentialsPath }

// serveIMDS answers the EC2 instance metadata paths the SDK uses: the IMDSv2
// token, the region (placement/region and the instance identity document) and
// the role credentials. IMDSv1 (no token) is accepted; an unknown token is
// 401, as on EC2.
func (s *Server) serveIMDS(w http.ResponseWriter, r *http.Request) {
	id := s.startCall(Call{Action: "IMDS", Items: []string{r.Method + " " + r.URL.Path}})
	status := s.imds(w, r)
	s.endCall(id, status, "")
}

func (s *Server) imds(w http.ResponseWriter, r *http.Request) int {
	s.mu.Lock()
	region, creds := s.imdsRegion, s.imdsCreds
	s.mu.Unlock()

	if r.URL.Path == "/latest/api/token" {
		if r.Method != http.MethodPut {
			return text(w, http.StatusMethodNotAllowed, "")
		}
		ttl, err := strconv.Atoi(r.Header.Get(imdsTokenTTLHeader))
		if err != nil || ttl < 1 || ttl > 21600 {
			return text(w, http.StatusBadRequest, "")
		}
		s.mu.Lock()
		tok := fmt.Sprintf("awsfake-imds-token-%d", s.nextSeq())
		s.imdsTokens[tok] = time.Now().Add(time.Duration(ttl) * time.Second)
		s.mu.Unlock()
		w.Header().Set(imdsTokenTTLHeader, strconv.Itoa(ttl))
		return text(w, http.StatusOK, tok)
	}
	if r.Method != http.MethodGet {
		return text(w, http.StatusMethodNotAllowed, "")
	}
	if tok := r.Header.Get(imdsTokenHeader); tok != "" {
		s.mu.Lock()
		exp, ok := s.imdsTokens[tok]
		s.mu.Unlock()
		if !ok || time.Now().After(exp) {
			return text(w, http.StatusUnauthorized, "")
		}
	}

	credsPath := "/latest/meta-data/iam/security-credentials/"
	switch p := r.URL.Path; {
	case p == "/latest/meta-data/placement/region":
		if region == "" {
			return text(w, http.StatusNotFound, "")
		}
		return text(w, http.StatusOK, region)
	case p == "/latest/meta-data/placement/availability-zone":
		if region == "" {
			return text(w, http.StatusNotFound, "")
		}
		return text(w, http.StatusOK, region+"a")
	case p == "/latest/meta-data/instance-id":
		return text(w, http.StatusOK, imdsInstanceID)
	case p == "/latest/dynamic/instance-identity/document":
		if region == "" {
			return text(w, http.StatusNotFound, "")
		}
		return jsonText(w, http.StatusOK, map[string]any{
			"accountId":        Account,
			"architecture":     "x86_64",
			"availabilityZone": region + "a",
			"imageId":          "ami-0123456789abcdef0",
			"instanceId":       imdsInstanceID,
			"instanceType":     "t3.micro",
			"pendingTime":      "2026-01-01T00:00:00Z",
			"privateIp":        "10.0.0.10",
			"region":           region,
			"version":          "2017-09-30",
		})
	case p == credsPath || p == strings.TrimSuffix(credsPath, "/"):
		if !creds {
			return text(w, http.StatusNotFound, "")
		}
		return text(w, http.StatusOK, IMDSRole)
	case p == credsPath+IMDSRole:
		if !creds {
			return text(w, http.StatusNotFound, "")
		}
		now := time.Now().UTC()
		return jsonText(w, http.StatusOK, map[string]string{
			"Code":            "Success",
			"LastUpdated":     now.Format(time.RFC3339),
			"Type":            "AWS-HMAC",
			"AccessKeyId":     IMDSAccessKeyID,
			"SecretAccessKey": fakeSecretAccessKey,
			"Token":           fakeSessionToken,
			"Expiration":      now.Add(credentialsLifetime).Format(time.RFC3339),
		})
	}
	return text(w, http.StatusNotFound, "")
}

// serveContainerCredentials answers as the ECS agent does at
// AWS_CONTAINER_CREDENTIALS_FULL_URI, checking the Authorization header when
// a ContainerAuthToken is set.
func (s *Server) serveContainerCredentials(w http.ResponseWriter, r *http.Request) {
	id := s.startCall(Call{Action: containerCredentialsLabel, Items: []string{r.Method + " " + r.URL.Path}})
	s.mu.Lock()
	want := s.containerToken
	s.mu.Unlock()
	var status int
	var code string
	switch {
	case r.Method != http.MethodGet:
		status = text(w, http.StatusMethodNotAllowed, "")
	case want != "" && r.Header.Get("Authorization") != want:
		code = "AccessDenied"
		status = jsonText(w, http.StatusUnauthorized, map[string]string{"code": code, "message": "invalid authorization token"})
	default:
		status = jsonText(w, http.StatusOK, map[string]string{
			"AccessKeyId":     ContainerAccessKeyID,
			"SecretAccessKey": fakeSecretAccessKey,
			"Token":           fakeSessionToken,
			"Expiration":      time.Now().UTC().Add(credentialsLifetime).Format(time.RFC3339),
			"RoleArn":         "arn:aws:iam::" + Account + ":role/awsfake-task-role",
		})
	}
	s.endCall(id, status, code)
}

func text(w http.ResponseWriter, status int, body string) int {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	w.Write([]byte(body))
	return status
}

func jsonText(w http.ResponseWriter, status int, v any) int {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	return status
}
