package config_test

import (
	"errors"
	"fmt"

	"github.com/sethvargo/go-githubactions"

	"github.com/stagecrew/stagecrew/pkg/config"
)

func ExampleRead() {
	env := map[string]string{
		"INPUT_ENVIRONMENT": "production",
		"INPUT_MODE":        "ecs-deploy",
		"INPUT_IMAGE":       "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.4.2",
		"INPUT_TIMEOUT":     "45m",
		"INPUT_WAIT":        "yes",
	}
	a := githubactions.New(githubactions.WithGetenv(func(k string) string { return env[k] }))
	in, err := config.Read(a)
	fmt.Println(in.Environment, in.Mode, in.Timeout, in.RoleSessionDuration)
	var ie *config.InputError
	if errors.As(err, &ie) {
		fmt.Println(ie.Input, "-", ie.Reason)
	}
	// Output:
	// production ecs-deploy 45m0s 3600
	// wait - "yes" is not a boolean (true or false)
}
