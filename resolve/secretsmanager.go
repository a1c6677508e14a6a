package resolve

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// maxSecretBatch is the most ids BatchGetSecretValue takes in one call.
const maxSecretBatch = 20

// batchGetSecrets reads the current versions of ids with
// BatchGetSecretValue and calls put once for every id. When the call itself
// is refused (many roles may only use GetSecretValue, and some emulators do
// not know the batch call), or leaves an id unanswered, it falls back to
// GetSecretValue for those ids.
func (r *Resolver) batchGetSecrets(ctx context.Context, region string, ids []string, put func(string, fetched)) {
	client := r.secretsClient(region)
	answered := make(map[string]bool, len(ids))
	var token *string
	for {
		var out *secretsmanager.BatchGetSecretValueOutput
		err := r.call(ctx, "BatchGetSecretValue", region, len(ids), func(ctx context.Context) (err error) {
			out, err = client.BatchGetSecretValue(ctx, &secretsmanager.BatchGetSecretValueInput{SecretIdList: ids, NextToken: token})
			return err
		})
		if err != nil {
			var api smithy.APIError
			if errors.As(err, &api) && !isThrottle(err) && ctx.Err() == nil {
				r.log.Debug("BatchGetSecretValue refused; falling back to GetSecretValue", "region", region, "code", api.ErrorCode())
				break
			}
			for _, id := range ids {
				if !answered[id] {
					answered[id] = true
					put(id, fetched{err: callError(ctx, err, "secretsmanager:BatchGetSecretValue", resourceARN("secretsmanager", region, id))})
				}
			}
			return
		}
		for _, v := range out.SecretValues {
			for _, id := range ids {
				if !answered[id] && secretMatches(id, aws.ToString(v.Name), aws.ToString(v.ARN)) {
					answered[id] = true
					put(id, fetched{value: aws.ToString(v.SecretString), binary: binaryOf(v.SecretString, v.SecretBinary), version: aws.ToString(v.VersionId)})
				}
			}
		}
		for _, e := range out.Errors {
			id := aws.ToString(e.SecretId)
			if answered[id] || !contains(ids, id) {
				continue
			}
			answered[id] = true
			apiErr := &smithy.GenericAPIError{Code: aws.ToString(e.ErrorCode), Message: aws.ToString(e.Message)}
			put(id, fetched{err: secretError(ctx, apiErr, region, id)})
		}
		token = out.NextToken
		if token == nil || *token == "" {
			break
		}
	}

	var wg sync.WaitGroup
	for _, id := range ids {
		if answered[id] {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			put(id, r.getSecret(ctx, secretKey{region: region, id: id}))
		}()
	}
	wg.Wait()
}

// getSecret reads one secret version with GetSecretValue.
func (r *Resolver) getSecret(ctx context.Context, k secretKey) fetched {
	client := r.secretsClient(k.region)
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(k.id)}
	if k.stage != "" {
		in.VersionStage = aws.String(k.stage)
	}
	if k.versionID != "" {
		in.VersionId = aws.String(k.versionID)
	}
	var out *secretsmanager.GetSecretValueOutput
	err := r.call(ctx, "GetSecretValue", k.region, 1, func(ctx context.Context) (err error) {
		out, err = client.GetSecretValue(ctx, in)
		return err
	})
	if err != nil {
		return fetched{err: secretError(ctx, err, k.region, k.id)}
	}
	return fetched{value: aws.ToString(out.SecretString), binary: binaryOf(out.SecretString, out.SecretBinary), version: aws.ToString(out.VersionId)}
}

// secretError words the error of a Secrets Manager read.
func secretError(ctx context.Context, err error, region, id string) *Error {
	e := callError(ctx, err, "secretsmanager:GetSecretValue", resourceARN("secretsmanager", region, id))
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "InvalidRequestException" {
		// Secrets Manager's word for a secret scheduled for deletion.
		e.Hint = "a secret scheduled for deletion cannot be read; restore it with RestoreSecret"
	}
	return e
}

// binaryOf is the SecretBinary to give when there is no SecretString.
func binaryOf(s *string, b []byte) []byte {
	if s != nil {
		return nil
	}
	if b == nil {
		return []byte{}
	}
	return b
}

// secretMatches reports whether the id a caller asked for names the secret
// with this name and ARN: as the name, the ARN, or a partial ARN (the ARN
// without the six random characters Secrets Manager appends).
func secretMatches(id, name, arn string) bool {
	if id == name || id == arn {
		return true
	}
	return strings.HasPrefix(id, "arn:") && len(arn) == len(id)+7 && strings.HasPrefix(arn, id+"-")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
