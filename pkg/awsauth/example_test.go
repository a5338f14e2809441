package awsauth_test

import (
	"fmt"

	"github.com/stagecrew/stagecrew/pkg/awsauth"
)

func ExampleSessionName() {
	fmt.Println(awsauth.SessionName("octocat", "1234567890-1"))
	fmt.Println(awsauth.SessionName("dependabot[bot]", "42-1"))
	fmt.Println(awsauth.SessionName("a-very-long-actor-name-that-goes-on-and-on-and-on-and-on", "9876543210-12"))
	// Output:
	// octocat@1234567890-1
	// dependabot-bot-@42-1
	// a-very-long-actor-name-that-goes-on-and-on-and-on-and-o-368f9050
}
