// <bits/extc++.h> for the vibecheck sandbox: libstdc++'s "every GNU extension" header, which
// contest code includes for the policy-based data structures (KACTL's HashMap does). Here:
// <bits/stdc++.h> plus the pb_ds headers (libstdc++'s own, installed by tools/setup.sh).
// libstdc++'s other extensions (<ext/rope>, <ext/algorithm>, ...) have no libc++ counterpart.
#pragma once
#include <bits/stdc++.h>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/hash_policy.hpp>
#include <ext/pb_ds/priority_queue.hpp>
#include <ext/pb_ds/tag_and_trait.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <ext/pb_ds/trie_policy.hpp>
