package resolve

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
)

// maxSSMBatch is the most names GetParameters takes in one call.
const maxSSMBatch = 10

// ssmBatches splits names into batches of at most 10 in which no two names
// are the same parameter (by name or ARN, whatever the selector). An answer
// can then be mapped back by the parameter's name alone, without trusting
// Parameter.Selector (which emulators leave empty) or how Name echoes an ARN.
func ssmBatches(names []string) [][]string {
	var batches [][]string
	var taken []map[string]bool
	for _, n := range names {
		k := parameterKey(n)
		i := 0
		for i < len(batches) && (len(batches[i]) == maxSSMBatch || taken[i][k]) {
			i++
		}
		if i == len(batches) {
			batches = append(batches, nil)
			taken = append(taken, map[string]bool{})
		}
		batches[i] = append(batches[i], n)
		taken[i][k] = true
	}
	return batches
}

// parameterKey is what identifies a parameter in a request or an answer's
// Name or ARN: its name without selector or leading slash.
func parameterKey(s string) string {
	if strings.HasPrefix(s, "arn:") {
		f := strings.SplitN(s, ":", 7)
		if len(f) < 6 {
			return s
		}
		s = strings.TrimPrefix(f[5], "parameter")
	} else {
		s, _, _ = strings.Cut(s, ":")
	}
	return strings.TrimPrefix(s, "/")
}

// getParameters reads one batch with GetParameters and calls put once for
// every name in it.
func (r *Resolver) getParameters(ctx context.Context, region string, names []string, put func(string, fetched)) {
	client := r.ssmClient(region)
	var out *ssm.GetParametersOutput
	err := r.call(ctx, "GetParameters", region, len(names), func(ctx context.Context) (err error) {
		out, err = client.GetParameters(ctx, &ssm.GetParametersInput{Names: names, WithDecryption: aws.Bool(true)})
		return err
	})
	if err != nil {
		var api smithy.APIError
		if len(names) > 1 && errors.As(err, &api) && api.ErrorCode() == "ValidationException" {
			// One name the service refuses spoils the call: ask for each
			// alone, so every other name still resolves.
			for _, n := range names {
				r.getParameters(ctx, region, []string{n}, put)
			}
			return
		}
		for _, n := range names {
			put(n, fetched{err: callError(ctx, err, "ssm:GetParameters", resourceARN("ssm", region, n))})
		}
		return
	}

	byKey := make(map[string]string, len(names))
	for _, n := range names {
		byKey[parameterKey(n)] = n
	}
	answered := make(map[string]bool, len(names))
	for _, p := range out.Parameters {
		n, ok := byKey[parameterKey(aws.ToString(p.Name))]
		if !ok {
			n, ok = byKey[parameterKey(aws.ToString(p.ARN))]
		}
		if !ok || answered[n] {
			continue
		}
		answered[n] = true
		put(n, fetched{value: aws.ToString(p.Value), version: strconv.FormatInt(p.Version, 10)})
	}
	for _, inv := range out.InvalidParameters {
		n, ok := byKey[parameterKey(inv)]
		if !ok || answered[n] {
			continue
		}
		answered[n] = true
		if strings.HasPrefix(n, "arn:") {
			// Emulators built on moto refuse ARNs in GetParameters but
			// take them in GetParameter; AWS answers the same either way.
			put(n, r.getParameter(ctx, region, n))
			continue
		}
		put(n, fetched{err: notFound(n)})
	}
	for _, n := range names {
		if !answered[n] {
			put(n, fetched{err: fail(Other, "AWS answered GetParameters without this parameter", "", nil)})
		}
	}
}

// getParameter reads one parameter with GetParameter.
func (r *Resolver) getParameter(ctx context.Context, region, name string) fetched {
	client := r.ssmClient(region)
	var out *ssm.GetParameterOutput
	err := r.call(ctx, "GetParameter", region, 1, func(ctx context.Context) (err error) {
		out, err = client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
		return err
	})
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && (api.ErrorCode() == "ParameterNotFound" || api.ErrorCode() == "ParameterVersionNotFound") {
			return fetched{err: notFound(name)}
		}
		return fetched{err: callError(ctx, err, "ssm:GetParameter", resourceARN("ssm", region, name))}
	}
	p := out.Parameter
	if p == nil {
		return fetched{err: fail(Other, "AWS answered GetParameter without a parameter", "", nil)}
	}
	return fetched{value: aws.ToString(p.Value), version: strconv.FormatInt(p.Version, 10)}
}

// notFound is the error for a name GetParameters called invalid.
func notFound(name string) *Error {
	selector := strings.Contains(name, ":")
	if strings.HasPrefix(name, "arn:") {
		selector = strings.Count(name, ":") == 6
	}
	if selector {
		return fail(NotFound, "parameter, version or label not found", "", nil)
	}
	return fail(NotFound, "parameter not found", "", nil)
}
