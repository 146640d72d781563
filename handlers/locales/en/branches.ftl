## Branches, manual adjustments and tiers that move both ways.

error-unknown-branch = There is no branch "{ $given }". Branches: { $branches }. Example: /staff add 123456789 cashier centre
error-branch-needed = A cashier works at a branch: add its id at the end. Branches: { $branches }. Example: /staff add 123456789 cashier centre
error-unknown-branch-field = There is no branch "{ $given }". Pick one of: { $branches }.
error-branch-needed-field = A cashier works at a branch: pick one of { $branches }.
staff-branch = Branch: { $branch }.
stats-branches = <b>By branch:</b>
stats-branch-line = { $branch }: { $sales } sales, { $revenue } { $currency }; +{ $issued } / −{ $redeemed } points
stats-no-branch = no branch (owners, admins)

cmd-adjust = Add or take away points by hand: /adjust member +50 reason
adjust-usage = To add or take away points by hand: /adjust member +points|-points reason
    Example: /adjust 104-1 +50 coffee spilt, we are sorry
    The reason is required: the member reads it with the entry.
role-too-low-adjust = Only admins and the owner adjust points by hand. To correct a sale, refund it (/refund #receipt) and record it again; to give points, record the sale (/sale) or ask an admin.
error-adjust-needs-admin = { role-too-low-adjust }
error-adjust-needs-reason = Say why, in a few words (up to { $max } characters): the member reads it. Example: /adjust 104-1 +50 coffee spilt, we are sorry
error-bad-adjustment = "{ $given }" is not an adjustment. Type + or - and a whole number: +50 to add, -50 to take away.
error-adjust-below-zero = The balance is { $balance }: taking away { $asked } would make it negative. Take away at most { $balance }.
adjust-done = ✅ Member №{ $number }: { $points } points ({ $reason }). Balance: { points-balance }.
adjust-already = Already done: this adjustment was recorded once.
kind-adjust = Adjusted by staff

notice-tier-perks = Your perks: { $perks }
notice-tier-dropped = Your tier is now { $tier }: your spend over the last { $days } days is below { $previous }.
notice-tier-warning = ⏳ Your { $tier } tier ends on { $date } unless you spend { $amount } { $currency } more by then.
balance-perks = Your perks: { $perks }
balance-next-perks = { $tier } adds: { $perks }
