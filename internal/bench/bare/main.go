// Command bare is the benchmark's yardstick for binary size: a program that
// links what secretenv needs of aws-sdk-go-v2 (the default config with its
// credential chain and instance metadata, and the SSM and Secrets Manager
// clients with the four operations secretenv calls) and nothing else. The
// calls sit behind an argument so that the linker keeps them; the benchmark
// only builds it, never runs it.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

func main() {
	if len(os.Args) < 2 {
		return
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		os.Exit(1)
	}
	s := ssm.NewFromConfig(cfg)
	m := secretsmanager.NewFromConfig(cfg)
	s.GetParameters(ctx, nil)
	s.GetParameter(ctx, nil)
	m.BatchGetSecretValue(ctx, nil)
	m.GetSecretValue(ctx, nil)
}
