package resolve

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Result is what one reference resolved to: a value and the version it was
// read from (SSM's version number, Secrets Manager's VersionId), or an error
// (an *Error).
type Result struct {
	Value   string
	Version string
	Err     error
}

// The API calls the resolver makes, as the SDK clients have them.
type ssmAPI interface {
	GetParameters(context.Context, *ssm.GetParametersInput, ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

type secretsAPI interface {
	BatchGetSecretValue(context.Context, *secretsmanager.BatchGetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.BatchGetSecretValueOutput, error)
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// maxInFlight bounds the calls in flight at once. It is above the number of
// batches that hundreds of references make, so those all go out together.
const maxInFlight = 64

// Resolver fetches references. It makes one client per service and region,
// and is safe for one Resolve at a time.
type Resolver struct {
	cfg aws.Config
	log *slog.Logger

	mu      sync.Mutex
	ssm     map[string]ssmAPI
	secrets map[string]secretsAPI
	sem     chan struct{}
}

// New returns a Resolver that uses cfg (see LoadConfig) and logs its calls,
// never a value, to log at debug level. log may be nil.
func New(cfg aws.Config, log *slog.Logger) *Resolver {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Resolver{
		cfg:     cfg,
		log:     log,
		ssm:     map[string]ssmAPI{},
		secrets: map[string]secretsAPI{},
		sem:     make(chan struct{}, maxInFlight),
	}
}

// region is the region a reference is read in: its ARN's, else the config's.
func (r *Resolver) region(ref Reference) string {
	if ref.Region != "" {
		return ref.Region
	}
	return r.cfg.Region
}

func (r *Resolver) ssmClient(region string) ssmAPI {
	return clientFor(&r.mu, r.ssm, region, func() ssmAPI {
		return ssm.NewFromConfig(r.cfg, func(o *ssm.Options) {
			o.Region = region
			o.APIOptions = append(o.APIOptions, recordAttempts)
		})
	})
}

func (r *Resolver) secretsClient(region string) secretsAPI {
	return clientFor(&r.mu, r.secrets, region, func() secretsAPI {
		return secretsmanager.NewFromConfig(r.cfg, func(o *secretsmanager.Options) {
			o.Region = region
			o.APIOptions = append(o.APIOptions, recordAttempts)
		})
	})
}

// clientFor returns the client of a region, made once.
func clientFor[C any](mu *sync.Mutex, clients map[string]C, region string, newClient func() C) C {
	mu.Lock()
	defer mu.Unlock()
	c, ok := clients[region]
	if !ok {
		c = newClient()
		clients[region] = c
	}
	return c
}

// call runs fn when a slot is free, and logs it. When the deadline ends the
// call, its error also carries the last attempt's.
func (r *Resolver) call(ctx context.Context, action, region string, items int, fn func(context.Context) error) error {
	select {
	case r.sem <- struct{}{}:
		defer func() { <-r.sem }()
	case <-ctx.Done():
	}
	last := &lastAttempt{}
	start := time.Now()
	err := fn(context.WithValue(ctx, lastAttemptKey{}, last))
	r.log.Debug("aws call", "action", action, "region", region, "items", items,
		"duration", time.Since(start).Round(time.Microsecond).String(), "ok", err == nil)
	if err != nil && ctx.Err() != nil {
		if l := last.get(); l != nil && l != err {
			return &afterDeadline{err: err, last: l}
		}
	}
	return err
}

// fetched is one value read from AWS, before any JSON key is applied.
type fetched struct {
	value   string
	binary  []byte // SecretBinary, when the secret has no SecretString
	version string
	err     *Error
}

// ssmKey is one parameter read: the name or ARN with its selector, as sent.
type ssmKey struct{ region, name string }

// secretKey is one secret version read.
type secretKey struct{ region, id, stage, versionID string }

func keyOfSSM(region string, ref Reference) ssmKey {
	name := ref.ID
	if ref.Selector != "" {
		name += ":" + ref.Selector
	}
	return ssmKey{region, name}
}

func keyOfSecret(region string, ref Reference) secretKey {
	return secretKey{region, ref.ID, ref.VersionStage, ref.VersionID}
}

// Resolve fetches every reference at once: each distinct parameter and
// secret version once, SSM in batches of 10, current secrets in batches of
// 20, every batch in flight together. It returns a Result for each reference.
// It stops when ctx is done; the references still unanswered then carry a
// timeout error.
func (r *Resolver) Resolve(ctx context.Context, refs []Reference) map[Reference]Result {
	results := make(map[Reference]Result, len(refs))
	ssmByRegion := map[string][]string{}
	currentByRegion := map[string][]string{}
	var pinned []secretKey
	seenSSM := map[ssmKey]bool{}
	seenSecret := map[secretKey]bool{}

	for _, ref := range refs {
		region := r.region(ref)
		if region == "" {
			results[ref] = Result{Err: fail(Config, "no AWS region",
				"set AWS_REGION (or a region in the AWS profile), or name the "+ref.Service.String()+" item by its ARN", nil)}
			continue
		}
		switch ref.Service {
		case SSM:
			k := keyOfSSM(region, ref)
			if !seenSSM[k] {
				seenSSM[k] = true
				ssmByRegion[region] = append(ssmByRegion[region], k.name)
			}
		case SecretsManager:
			k := keyOfSecret(region, ref)
			if seenSecret[k] {
				continue
			}
			seenSecret[k] = true
			if ref.Current() {
				currentByRegion[region] = append(currentByRegion[region], k.id)
			} else {
				pinned = append(pinned, k)
			}
		default:
			results[ref] = Result{Err: fail(Malformed, "invalid reference", "", nil)}
		}
	}

	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		ssmVals    = map[ssmKey]fetched{}
		secretVals = map[secretKey]fetched{}
	)
	putSSM := func(region, name string, f fetched) {
		mu.Lock()
		ssmVals[ssmKey{region, name}] = f
		mu.Unlock()
	}
	putSecret := func(k secretKey, f fetched) {
		mu.Lock()
		secretVals[k] = f
		mu.Unlock()
	}
	for region, names := range ssmByRegion {
		for _, batch := range ssmBatches(names) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.getParameters(ctx, region, batch, func(name string, f fetched) { putSSM(region, name, f) })
			}()
		}
	}
	for region, ids := range currentByRegion {
		for start := 0; start < len(ids); start += maxSecretBatch {
			batch := ids[start:min(start+maxSecretBatch, len(ids))]
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.batchGetSecrets(ctx, region, batch, func(id string, f fetched) {
					putSecret(secretKey{region: region, id: id}, f)
				})
			}()
		}
	}
	for _, k := range pinned {
		wg.Add(1)
		go func() {
			defer wg.Done()
			putSecret(k, r.getSecret(ctx, k))
		}()
	}
	wg.Wait()

	for _, ref := range refs {
		if _, done := results[ref]; done {
			continue
		}
		region := r.region(ref)
		var f fetched
		var ok bool
		if ref.Service == SSM {
			f, ok = ssmVals[keyOfSSM(region, ref)]
		} else {
			f, ok = secretVals[keyOfSecret(region, ref)]
		}
		if !ok {
			f.err = fail(Other, "no answer from AWS", "", nil)
		}
		results[ref] = finish(ref, f)
	}
	return results
}

// finish turns a fetched value into the reference's result: the JSON key
// applied, binary checked.
func finish(ref Reference, f fetched) Result {
	if f.err != nil {
		return Result{Err: f.err}
	}
	if f.binary != nil {
		if ref.JSONKey != "" {
			return Result{Err: fail(BadValue, "the secret is binary (SecretBinary): JSON keys apply to SecretString only", "", nil)}
		}
		if err := checkText(f.binary); err != nil {
			return Result{Err: err}
		}
		return Result{Value: string(f.binary), Version: f.version}
	}
	if ref.JSONKey == "" {
		return Result{Value: f.value, Version: f.version}
	}
	v, err := jsonKey(f.value, ref.JSONKey)
	if err != nil {
		return Result{Err: err}
	}
	return Result{Value: v, Version: f.version}
}

// resourceARN is a best effort at the ARN an IAM policy must allow, for
// hints: the account is not known without asking AWS, so it is a wildcard.
func resourceARN(service, region, id string) string {
	if strings.HasPrefix(id, "arn:") {
		return id
	}
	partition := "aws"
	switch {
	case strings.HasPrefix(region, "cn-"):
		partition = "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		partition = "aws-us-gov"
	}
	if service == "ssm" {
		return "arn:" + partition + ":ssm:" + region + ":*:parameter/" + strings.TrimPrefix(id, "/")
	}
	return "arn:" + partition + ":secretsmanager:" + region + ":*:secret:" + id + "-*"
}
