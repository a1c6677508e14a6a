// Package awsfake is a local fake of the AWS APIs secretenv talks to. It speaks
// the real wire protocol, so tests drive the real aws-sdk-go-v2 clients (and
// the real secretenv binary, through AWS_ENDPOINT_URL) against it:
//
//   - SSM Parameter Store: GetParameter, GetParameters, GetParametersByPath,
//     PutParameter, LabelParameterVersion (AWS JSON 1.1, X-Amz-Target
//     AmazonSSM.*).
//   - Secrets Manager: GetSecretValue, BatchGetSecretValue, CreateSecret,
//     PutSecretValue (AWS JSON 1.1, X-Amz-Target secretsmanager.*).
//   - EC2 instance metadata (IMDSv2 token, region, role credentials) and an
//     ECS-style container credentials endpoint, path-routed on the same server,
//     so no test ever touches 169.254.169.254.
//
// Every request is POST / with Content-Type application/x-amz-json-1.1. An
// error is HTTP 400 (500 or 503 for server faults) with a JSON body
// {"__type": CODE, "message": MESSAGE}; the SDK reads the code from the
// X-Amzn-ErrorType header, else __type, else code, and the message from
// message or Message, so the SSM errors use "message" and the Secrets Manager
// ones "Message", as those services do.
//
// The account is [Account]. The region of a request is the one in its SigV4
// credential scope (Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/
// REGION/SERVICE/aws4_request, ...); signatures are not checked, but an
// unsigned request is refused as AWS refuses it. A lookup sees only the items
// of the request's region, and an ARN naming another partition, region or
// account is not found.
//
// # What AWS returns for selectors and ARNs
//
// When GetParameter or GetParameters names a parameter as "name:3",
// "name:label", a full ARN, or an ARN with a selector, AWS answers with:
//
//   - Name: the plain parameter name ("/a/b/c" or "plain"), never the selector
//     nor the ARN;
//   - Selector: the selector as requested with its colon (":3", ":label"), and
//     absent when the request had none;
//   - ARN: the parameter's ARN without any selector
//     (arn:aws:ssm:REGION:ACCOUNT:parameter/a/b/c, or .../parameter/plain);
//   - Version: the version that was read.
//
// InvalidParameters lists the names exactly as requested, selector included;
// a missing parameter, a missing version and a missing label all land there
// (GetParameter answers ParameterNotFound, ParameterVersionNotFound and
// ParameterNotFound for them; AWS's ParameterNotFound carries no message). A
// one-level name may be asked for with or without its leading slash ("/x" and
// "x" are one parameter, ARN .../parameter/x) and Name echoes the form asked
// for (localstack's AWS-validated test_put_parameters).
// Sources: a boto3 response quoted in ansible/ansible#61022 (name:10 answered
// with the bare Name and a colon-prefixed Selector); localstack's
// AWS-validated snapshot tests/aws/services/ssm/test_ssm.snapshot.json
// (test_get_parameter_by_arn: Name is the bare name when the request named the
// ARN); hashicorp/terraform-provider-aws#47577 (an ARN with a version returns
// a Selector, and an ARN without it); aws/secrets-store-csi-driver-provider-aws
// provider/parameter_store_provider.go (matches results by Name, then by ARN).
// For the 10-name limit see the GetParameters API reference (Names: array of
// 1 to 10 items).
//
// Secrets Manager's BatchGetSecretValue reports each id that is not found or
// denied in Errors[] (SecretId as requested, ErrorCode, Message) and never
// fails the call for it; more than 20 ids is a ValidationException (the
// model's length constraint, enforced before Secrets Manager's own
// InvalidParameterException checks, which answer an empty SecretIdList).
//
// [Moto] mode mirrors moto-based emulators instead: Selector is left empty, and
// an ARN given to GetParameters comes back in InvalidParameters while
// GetParameter accepts it.
//
// # Faults
//
// [Server.Inject] adds faults per action (or for every action) for the next N
// requests or for all of them: throttling, 500, 503, added latency, a hang, a
// dropped connection, access denied for an action or for one item.
// [Server.RateLimit] puts a token bucket in front of an action. [Server.Calls]
// is the call log.
package awsfake

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Account is the account id of every item in the fake.
const Account = "123456789012"

// DefaultRegion is where items live when no region is given.
const DefaultRegion = "us-east-1"

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT (https:// for StartTLS).
	URL string

	srv     *http.Server
	ln      net.Listener
	caPEM   []byte
	closing chan struct{}
	once    sync.Once
	active  sync.WaitGroup

	mu             sync.Mutex
	moto           bool
	latency        time.Duration
	imdsRegion     string
	imdsCreds      bool
	containerToken string
	params         map[string]*param
	secrets        map[string]*secret
	faults         []*fault
	buckets        map[string]*bucket
	calls          []Call
	imdsTokens     map[string]time.Time
	seq            int
}

// Option configures a Server.
type Option func(*options)

type options struct {
	moto           bool
	latency        time.Duration
	imdsRegion     string
	noIMDSCreds    bool
	containerToken string
}

// Moto makes the fake answer as moto-based emulators do: Parameter.Selector is
// left empty, and an ARN given to GetParameters is answered as an
// InvalidParameters entry (GetParameter still accepts it).
func Moto() Option { return func(o *options) { o.moto = true } }

// Region sets the region the instance metadata reports (default us-east-1).
// An empty region makes the metadata answer 404, as a host without one.
func Region(r string) Option { return func(o *options) { o.imdsRegion = r } }

// Latency adds d before every AWS API answer.
func Latency(d time.Duration) Option { return func(o *options) { o.latency = d } }

// NoIMDSCredentials makes the instance metadata have no role: the
// security-credentials listing answers 404.
func NoIMDSCredentials() Option { return func(o *options) { o.noIMDSCreds = true } }

// ContainerAuthToken makes the container credentials endpoint require this
// Authorization header value (what AWS_CONTAINER_AUTHORIZATION_TOKEN sends).
func ContainerAuthToken(token string) Option {
	return func(o *options) { o.containerToken = token }
}

// Start starts a fake on 127.0.0.1 with a free port. It panics if it cannot
// listen, as httptest.NewServer does.
func Start(opts ...Option) *Server {
	s, err := Listen("127.0.0.1:0", opts...)
	if err != nil {
		panic("awsfake: " + err.Error())
	}
	return s
}

// StartTLS is Start on HTTPS, with a certificate for 127.0.0.1, ::1 and
// localhost signed by a test CA generated for this server; see
// [Server.CACertPEM].
func StartTLS(opts ...Option) *Server {
	s, err := ListenTLS("127.0.0.1:0", opts...)
	if err != nil {
		panic("awsfake: " + err.Error())
	}
	return s
}

// Listen starts a fake on addr (host:port) over HTTP.
func Listen(addr string, opts ...Option) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return serve(ln, "http", nil, opts), nil
}

// ListenTLS starts a fake on addr over HTTPS; see [StartTLS].
func ListenTLS(addr string, opts ...Option) (*Server, error) {
	ca, err := newTestCA()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{ca.leaf},
		// HTTP/1.1 only, so that a dropped connection can be hijacked.
		NextProtos: []string{"http/1.1"},
		MinVersion: tls.VersionTLS12,
	}
	return serve(tls.NewListener(ln, cfg), "https", ca.pem, opts), nil
}

func serve(ln net.Listener, scheme string, caPEM []byte, opts []Option) *Server {
	o := options{imdsRegion: DefaultRegion}
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{
		URL:            scheme + "://" + ln.Addr().String(),
		ln:             ln,
		caPEM:          caPEM,
		closing:        make(chan struct{}),
		moto:           o.moto,
		latency:        o.latency,
		imdsRegion:     o.imdsRegion,
		imdsCreds:      !o.noIMDSCreds,
		containerToken: o.containerToken,
		params:         map[string]*param{},
		secrets:        map[string]*secret{},
		buckets:        map[string]*bucket{},
		imdsTokens:     map[string]time.Time{},
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go s.srv.Serve(ln)
	return s
}

// Close stops the server: hung requests are released, connections closed.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.srv.Close()
	})
	s.active.Wait()
}

// CACertPEM is the PEM of the CA that signed a StartTLS server's certificate
// (nil for a plain HTTP server): write it to a file for AWS_CA_BUNDLE or
// SSL_CERT_FILE.
func (s *Server) CACertPEM() []byte { return append([]byte(nil), s.caPEM...) }

// HTTPClient is an http.Client that trusts the server's CA (for StartTLS).
func (s *Server) HTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if s.caPEM != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(s.caPEM)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}
}

// SetLatency changes the latency added before every AWS API answer.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetMoto turns moto mode on or off; see [Moto].
func (s *Server) SetMoto(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.moto = on
}

// SetIMDSRegion changes the region the instance metadata reports; "" makes it
// answer 404.
func (s *Server) SetIMDSRegion(r string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.imdsRegion = r
}

// ServeHTTP routes: POST with X-Amz-Target to the AWS APIs, /latest/... to
// the instance metadata, /ecs/credentials to the container credentials.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.active.Add(1)
	defer s.active.Done()
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		s.serveAPI(w, r)
	case strings.HasPrefix(r.URL.Path, "/latest/"):
		s.serveIMDS(w, r)
	case r.URL.Path == ContainerCredentialsPath:
		s.serveContainerCredentials(w, r)
	default:
		http.NotFound(w, r)
	}
}

// wait waits d, or less if the client gives up or the server closes; it
// reports whether the whole d passed.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

// hang waits until the client gives up or the server closes.
func (s *Server) hang(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.closing:
	}
}

// drop closes the connection without an answer.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) // a reset, not a polite FIN
	}
	conn.Close()
}

var errNotFound = errors.New("not found")

func regionOr(r string) string {
	if r == "" {
		return DefaultRegion
	}
	return r
}

// Partition is the ARN partition of a region: aws-cn for cn-*, aws-us-gov for
// us-gov-*, aws otherwise.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func key(region, name string) string { return region + "\x00" + name }

func (s *Server) nextSeq() int {
	s.seq++
	return s.seq
}

func epoch(t time.Time) float64 {
	return float64(t.UnixMilli()) / 1000
}

func quoteList(items []string) string {
	return "[" + strings.Join(items, ", ") + "]"
}

func tooMany(field string, items []string, max int) *apiError {
	return validation(fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", quoteList(items), field, max))
}
