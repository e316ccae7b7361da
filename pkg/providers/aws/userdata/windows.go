package userdata

import (
	"fmt"
	"strings"
)

// windowsBootstrapCall starts the line that calls the EKS-optimized Windows AMI's
// bootstrap script.
const windowsBootstrapCall = "& $EKSBootstrapScriptFile"

// renderWindows returns a <powershell> block: the node class's userData (its own
// <powershell> tags removed) first, then the bootstrap call, every argument in
// single quotes:
//
//	<powershell>
//	[string]$EKSBootstrapScriptFile = "$env:ProgramFiles\Amazon\EKS\Start-EKSBootstrap.ps1"
//	& $EKSBootstrapScriptFile -EKSClusterName 'my-cluster' -APIServerEndpoint 'https://...' -Base64ClusterCA '<base64 PEM>' -KubeletExtraArgs '--node-labels=team=a --register-with-taints=karpenter.sh/unregistered:NoExecute --max-pods=29' -DNSClusterIP '10.100.0.10' 3>&1 4>&1 5>&1 6>&1
//	</powershell>
func renderWindows(o Options) (string, error) {
	var b strings.Builder
	b.WriteString("<powershell>\n")
	if user := stripPowerShellTags(o.CustomUserData); user != "" {
		b.WriteString(user + "\n")
	}
	b.WriteString(`[string]$EKSBootstrapScriptFile = "$env:ProgramFiles\Amazon\EKS\Start-EKSBootstrap.ps1"` + "\n")
	extra := append(nodeFlags(o), kubeletFlags(o)...)
	args := []string{windowsBootstrapCall,
		"-EKSClusterName", psQuote(o.ClusterName),
		"-APIServerEndpoint", psQuote(o.ClusterEndpoint),
		"-Base64ClusterCA", psQuote(o.ClusterCABundle),
		"-KubeletExtraArgs", psQuote(strings.Join(extra, " "))}
	if dns := clusterDNS(o); len(dns) > 0 {
		args = append(args, "-DNSClusterIP", psQuote(dns[0]))
	}
	b.WriteString(strings.Join(args, " ") + " 3>&1 4>&1 5>&1 6>&1\n")
	b.WriteString("</powershell>\n")
	return b.String(), nil
}

// stripPowerShellTags returns s without surrounding whitespace and <powershell>
// tags.
func stripPowerShellTags(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "<powershell>")
	s = strings.TrimSuffix(s, "</powershell>")
	return strings.TrimSpace(s)
}

// psQuote quotes s as a PowerShell single-quoted string.
func psQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// windowsExtraArgs finds the bootstrap call and returns its -KubeletExtraArgs.
func windowsExtraArgs(script string) (extra string, found bool, err error) {
	for _, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, windowsBootstrapCall) {
			continue
		}
		words, err := psWords(line)
		if err != nil {
			return "", false, fmt.Errorf("reading bootstrap call %q, %w", line, err)
		}
		for i, w := range words {
			if strings.EqualFold(w, "-KubeletExtraArgs") && i+1 < len(words) {
				extra = words[i+1]
			}
		}
		return extra, true, nil
	}
	return "", false, nil
}

// psWords splits a PowerShell command line into words: single-quoted strings (in
// which a doubled single quote is one), double-quoted strings (in which a backtick
// escapes) and bare words.
func psWords(line string) ([]string, error) {
	var words []string
	for i := 0; i < len(line); {
		switch c := line[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '\'' || c == '"':
			w, n, err := psQuoted(line[i:])
			if err != nil {
				return nil, err
			}
			words = append(words, w)
			i += n
		default:
			end := strings.IndexAny(line[i:], " \t")
			if end < 0 {
				end = len(line) - i
			}
			words = append(words, line[i:i+end])
			i += end
		}
	}
	return words, nil
}

// psQuoted reads the quoted string s starts with and returns its value and length.
func psQuoted(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch {
		case q == '\'' && s[i] == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case q == '"' && s[i] == '`' && i+1 < len(s):
			b.WriteByte(s[i+1])
			i++
		case s[i] == q:
			return b.String(), i + 1, nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("unterminated %c quote", q)
}
