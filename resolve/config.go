package resolve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// ConfigOptions tune LoadConfig.
type ConfigOptions struct {
	// Deadline is the whole resolution's deadline (SECRETENV_TIMEOUT). Each
	// attempt gets a share of it, so one hung connection is retried
	// instead of eating all of it.
	Deadline time.Duration

	// NeedRegion says some reference has no ARN to take its region from:
	// only then is EC2 instance metadata asked for the region.
	NeedRegion bool
}

// maxBackoff caps the wait between two attempts. Short enough that a fleet
// throttled at start converges close to the quota-bound minimum, long
// enough, with full jitter, to spread it. Measured with internal/bench's
// fleet (200 processes, 20 requests/s): 5s finished at 1.28x the minimum,
// 3s at 1.15x, 2s at 1.07x with 30% more throttled calls, 1s at 1.05x with
// twice as many.
const maxBackoff = 3 * time.Second

// imdsRegionTimeout bounds the look-up of the region in EC2 instance
// metadata, which off EC2 can only fail.
const imdsRegionTimeout = 3 * time.Second

// LoadConfig loads the SDK's default configuration, as the AWS CLI would:
// AWS_REGION, AWS_PROFILE, the whole default credential chain,
// AWS_ENDPOINT_URL and friends. The region falls back to EC2 instance
// metadata (ECS on EC2) when opts.NeedRegion; when none is found the
// config's Region is empty, and it is the caller's to say so.
//
// Unless the user set AWS_MAX_ATTEMPTS or AWS_RETRY_MODE (in the environment
// or the profile), throttling and transient errors are retried with
// jittered exponential backoff until ctx's deadline, not the SDK's default three attempts.
func LoadConfig(ctx context.Context, opts ConfigOptions) (aws.Config, error) {
	attempt := opts.Deadline / 3
	attempt = max(attempt, 2*time.Second)
	attempt = min(attempt, 10*time.Second)
	load := []func(*config.LoadOptions) error{
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(attempt)),
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return cfg, err
	}
	if cfg.Region == "" && opts.NeedRegion {
		// ECS on EC2: the host's instance metadata knows. Anywhere else it
		// fails, and the references without an ARN say "no AWS region".
		ictx, cancel := context.WithTimeout(ctx, imdsRegionTimeout)
		out, err := imds.NewFromConfig(cfg).GetRegion(ictx, &imds.GetRegionInput{})
		cancel()
		if err == nil {
			cfg.Region = out.Region
		}
	}
	if cfg.RetryMaxAttempts == 0 && cfg.RetryMode == "" {
		cfg.Retryer = untilDeadline
	}
	return cfg, nil
}

// untilDeadline is the retryer secretenv uses by default: the SDK's
// standard retryer (exponential backoff with full jitter, a one-second base
// for throttling), no cap on attempts but the context's deadline, and no
// client-side retry quota. Full jitter is what spreads a fleet that starts
// together: the throttled retry at random over the backoff window instead
// of in waves. (Adaptive mode's client-side rate limiter is of no use to a
// process that makes a handful of calls once, and its waits after a throttle
// grew past the deadline in tests.)
func untilDeadline() aws.Retryer {
	return retry.AddWithMaxAttempts(retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
		o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(untrusted)}, o.Retryables...)
	}), 0)
}

// untrusted says an endpoint whose certificate cannot be verified is not
// worth retrying: it will not become trusted before the deadline.
func untrusted(err error) aws.Ternary {
	if isUntrusted(err) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}

func isUntrusted(err error) bool {
	var verify *tls.CertificateVerificationError
	var authority x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verify) || errors.As(err, &authority) || errors.As(err, &host) || errors.As(err, &invalid)
}
