// Command floor is the benchmark's floor: the least any program that reads
// one SSM parameter with aws-sdk-go-v2 can do. It loads the SDK's default
// configuration, makes one GetParameters call for the names in its
// arguments, and exits: 0 on an answer, 1 on an error. It prints nothing on
// success and never a value.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

func main() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	_, err = ssm.NewFromConfig(cfg).GetParameters(ctx, &ssm.GetParametersInput{
		Names:          os.Args[1:],
		WithDecryption: aws.Bool(true),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}
