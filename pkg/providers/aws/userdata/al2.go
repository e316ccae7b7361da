package userdata

import (
	"fmt"
	"strings"
)

// bootstrapScript is the EKS-optimized AL2 AMI's bootstrap script.
const bootstrapScript = "/etc/eks/bootstrap.sh"

// renderAL2 returns a MIME multi-part document: the parts of the node class's
// userData first (they run before the node joins), then a shell script that calls
// the AMI's bootstrap script on one line, every argument single-quoted:
//
//	#!/bin/bash -xe
//	exec > >(tee /var/log/user-data.log|logger -t user-data -s 2>/dev/console) 2>&1
//	/etc/eks/bootstrap.sh 'my-cluster' --apiserver-endpoint 'https://...' --b64-cluster-ca '<base64 PEM>' --dns-cluster-ip '10.100.0.10' --use-max-pods false --kubelet-extra-args '--node-labels=karpenter.sh/nodepool=default,team=a --register-with-taints=dedicated=gpu:NoSchedule,karpenter.sh/unregistered:NoExecute --max-pods=29'
//
// --dns-cluster-ip appears when a cluster DNS address is known, --use-max-pods
// false when the pod limit is set in --max-pods.
func renderAL2(o Options) (string, error) {
	parts, err := userParts(o.CustomUserData)
	if err != nil {
		return "", err
	}
	args := []string{bootstrapScript, shellQuote(o.ClusterName),
		"--apiserver-endpoint", shellQuote(o.ClusterEndpoint),
		"--b64-cluster-ca", shellQuote(o.ClusterCABundle)}
	if dns := clusterDNS(o); len(dns) > 0 {
		args = append(args, "--dns-cluster-ip", shellQuote(dns[0]))
	}
	if maxPods(o) != nil {
		args = append(args, "--use-max-pods", "false")
	}
	extra := append(nodeFlags(o), kubeletFlags(o)...)
	args = append(args, "--kubelet-extra-args", shellQuote(strings.Join(extra, " ")))
	script := "#!/bin/bash -xe\n" +
		"exec > >(tee /var/log/user-data.log|logger -t user-data -s 2>/dev/console) 2>&1\n" +
		strings.Join(args, " ") + "\n"
	parts = append(parts, mimePart{contentType: contentTypeShellScript, body: script})
	return writeMIME(parts), nil
}

// shellQuote quotes s as one POSIX shell word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// bootstrapExtraArgs finds the bootstrap.sh call in a shell script and returns the
// value of its --kubelet-extra-args; found is false when the script has no call.
func bootstrapExtraArgs(script string) (extra string, found bool, err error) {
	for _, line := range joinContinuations(script) {
		words, err := shellWords(line)
		if err != nil {
			return "", false, fmt.Errorf("reading bootstrap script line %q, %w", line, err)
		}
		i := indexOfBootstrap(words)
		if i < 0 {
			continue
		}
		for j := i + 1; j < len(words); j++ {
			if words[j] == "--kubelet-extra-args" && j+1 < len(words) {
				extra = words[j+1]
			} else if v, ok := strings.CutPrefix(words[j], "--kubelet-extra-args="); ok {
				extra = v
			}
		}
		return extra, true, nil
	}
	return "", false, nil
}

func indexOfBootstrap(words []string) int {
	for i, w := range words {
		if strings.HasSuffix(w, "/bootstrap.sh") {
			return i
		}
	}
	return -1
}

// joinContinuations returns the script's logical lines, joining lines that end with
// a backslash.
func joinContinuations(script string) []string {
	var lines []string
	var cur strings.Builder
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`) + " ")
			continue
		}
		cur.WriteString(line)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	return lines
}

// shellWords splits a line into words as a POSIX shell would, without expansion:
// single quotes, double quotes (with backslash escapes) and backslashes. It stops
// at an unquoted # that starts a word.
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
			continue
		case c == '#' && !inWord:
			return words, nil
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated single quote")
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			n, err := readDoubleQuoted(line[i+1:], &cur)
			if err != nil {
				return nil, err
			}
			i += n
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		default:
			cur.WriteByte(c)
		}
		inWord = true
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// readDoubleQuoted copies a double-quoted string's content (s starts after the
// opening quote) into cur and returns how many bytes it read, closing quote
// included.
func readDoubleQuoted(s string, cur *strings.Builder) (int, error) {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			return i + 1, nil
		case s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`$"\`+"`", s[i+1]) >= 0:
			i++
			cur.WriteByte(s[i])
		default:
			cur.WriteByte(s[i])
		}
	}
	return 0, fmt.Errorf("unterminated double quote")
}
