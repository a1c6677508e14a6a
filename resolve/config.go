package resolve

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
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
// throttled at start converges well within the default 30s deadline,
// long enough, with full jitter, to spread it.
const maxBackoff = 5 * time.Second

// LoadConfig loads the SDK's default configuration, as the AWS CLI would:
// AWS_REGION, AWS_PROFILE, the whole default credential chain,
// AWS_ENDPOINT_URL and friends. The region falls back to EC2 instance
// metadata (ECS on EC2) when opts.NeedRegion.
//
// Unless the user set AWS_MAX_ATTEMPTS or AWS_RETRY_MODE (in the environment
// or the profile), throttling and transient errors are retried with
// jittered exponential backoff and client-side rate adaptation until ctx's
// deadline, not the SDK's default three attempts.
func LoadConfig(ctx context.Context, opts ConfigOptions) (aws.Config, error) {
	attempt := opts.Deadline / 3
	attempt = max(attempt, 2*time.Second)
	attempt = min(attempt, 10*time.Second)
	load := []func(*config.LoadOptions) error{
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(attempt)),
	}
	if opts.NeedRegion {
		load = append(load, config.WithEC2IMDSRegion())
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return cfg, err
	}
	if cfg.RetryMaxAttempts == 0 && cfg.RetryMode == "" {
		cfg.Retryer = untilDeadline
	}
	return cfg, nil
}

// untilDeadline is the retryer secretenv uses by default: adaptive mode
// (which slows a client down when it is throttled), no cap on attempts but
// the context's deadline, and no client-side retry quota.
func untilDeadline() aws.Retryer {
	return retry.AddWithMaxAttempts(retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.MaxBackoff = maxBackoff
			so.RateLimiter = ratelimit.None
		})
	}), 0)
}
