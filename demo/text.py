"""Text grammar for the demo corpus: vocabularies and sentence templates written for this repo.

Nothing here is copied from the web: every good document is assembled from these templates
with seeded slot fillers, so the corpus is free to ship and the same seed gives the same text.
The material is mostly data, which is why this module is long; the engine is `fill` and the
`*_article` functions at the bottom. `[a|b]` in a template picks one alternative, `{X}` a slot.
"""

import random
import re

# --- English -------------------------------------------------------------------------------

FIRST_NAMES = (
    "Maria|James|Aisha|Tomasz|Helen|Samuel|Priya|Daniel|Ingrid|Kwame|Laura|Oliver|Fatima|Marcus|"
    "Ruth|Elena|George|Nadia|Peter|Chloe|Ibrahim|Grace|Lukas|Hannah|Victor|Sofia|Arthur|Mei|"
    "Patrick|Rosa|Jonah|Amara|Felix|Judith|Omar|Clara|Desmond|Yusuf|Agnes|Rafael"
).split("|")
SURNAMES = (
    "Okafor|Lindqvist|Brennan|Hughes|Castillo|Nowak|Patel|Whitaker|Fraser|Moreau|Adeyemi|Kowalski|"
    "Harrington|Duarte|Sato|Gallagher|Mensah|Ellison|Novak|Barlow|Quinn|Ferreira|Holt|Abbott|"
    "Rahman|Sinclair|Yates|Delaney|Marsh|Osei|Kerr|Lambert|Pryce|Thornton|Vance|Woodward"
).split("|")
TOWNS = (
    "Harwick|Millbrook|Eastfield|Larchmont|Stonebridge|Ashford Vale|Kelby|Redmarsh|Dunmore|"
    "Fennimore|Cold Ashby|Port Selwyn|Oakhampton|Brierley|Westcombe|Halden|Marlow Cross|Tillbury|"
    "Greyhaven|Norwood Green|Saltcote|Whitlow|Bramcaster|Elderton|Pendle Bridge|Rushford"
).split("|")
BUILDINGS = (
    "library|post office|fire station|old cinema|school hall|bookshop|town hall|railway museum|"
    "community centre|covered market|parish hall|sports club|village pub|bakery"
).split("|")
WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday".split("|")
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December".split("|")
SEASONS = "spring|summer|autumn|winter".split("|")
SMALL = "two|three|four|five|six|seven|eight|nine|ten|twelve".split("|")

# One dict per topic: nouns (singular, no article), verb phrases (base form), gerund phrases,
# adjectives, roles, topic facts (full sentences, may use slots) and sub-headings.
EN_TOPICS = {
    "cooking": dict(
        N="sourdough starter|cast iron pan|stock pot|bread knife|spice drawer|oven thermometer|"
        "proving basket|wooden spoon|chopping board|pressure cooker|kitchen scale|pastry brush",
        V="knead the dough|season the pan|reduce the sauce|toast the spices|proof the loaves|"
        "roast the vegetables|rest the meat|fold in the flour|taste as you go|sharpen the knives",
        G="baking bread at home|cooking for a crowd|making fresh pasta|preserving summer fruit|"
        "roasting vegetables|planning a weekly menu|cooking with leftovers|making stock from scratch",
        A="crusty|tender|golden|fragrant|sticky|rich|crisp|smoky|mellow|tangy",
        R="baker|head chef|food writer|market trader|home cook|pastry cook",
        F="A loaf made with a long, cool rise has a deeper flavour and keeps for several days.|"
        "Salt added early draws moisture out of aubergines and softens their bitter edge.|"
        "The oven should be fully heated before the bread goes in, or the crust will stay pale.|"
        "Dried beans cook more evenly when they have been soaked overnight in plenty of cold water.|"
        "A pinch of sugar in a tomato sauce balances the acidity of tinned fruit.|"
        "Onions need far longer to caramelise than most recipes admit, often close to an hour.|"
        "Fresh herbs such as basil and parsley are best added at the very end of cooking.|"
        "Leftover rice should be cooled quickly and eaten within a day to stay safe.",
        H="Choosing the flour|Heat and timing|What went wrong the first time|Feeding a family|"
        "The market on Saturday|Small kitchens, big results",
    ),
    "gardening": dict(
        N="compost heap|raised bed|greenhouse|watering can|seed tray|garden fork|rain barrel|"
        "tomato plant|hedge trimmer|potting shed|bean trellis|apple tree",
        V="turn the compost|sow the seeds|prune the roses|mulch the beds|water in the morning|"
        "thin the seedlings|lift the potatoes|stake the tomatoes|weed between the rows|divide the perennials",
        G="growing vegetables in small spaces|keeping an allotment|saving seeds|planting for bees|"
        "gardening on heavy clay|growing fruit against a wall|starting seeds indoors|composting kitchen waste",
        A="leafy|sheltered|damp|sunny|overgrown|tidy|fertile|muddy|hardy|tender",
        R="gardener|allotment holder|nursery owner|tree surgeon|seed collector|landscape designer",
        F="Clay soil holds water well but needs organic matter to stop it setting hard in summer.|"
        "Most vegetables want at least six hours of direct sun on a clear day.|"
        "Slugs do most of their damage on mild, wet nights in late spring.|"
        "A thick layer of mulch keeps weeds down and saves a great deal of watering.|"
        "Runner beans were grown in this country as ornamental plants long before anyone ate them.|"
        "Seedlings raised indoors should be hardened off for a week or two before planting out.|"
        "Apple trees usually need a second variety nearby so that the blossom is pollinated.|"
        "Rainwater is kinder to many plants than tap water, especially those that dislike lime.",
        H="Preparing the soil|A wet spring|Friends and pests|The harvest|Planning next year|On the allotment",
    ),
    "astronomy": dict(
        N="telescope|star chart|observing log|red torch|camera mount|eyepiece|dark sky site|"
        "planisphere|binocular tripod|dew heater|finder scope|meteor shower",
        V="find the Andromeda galaxy|align the finder scope|let your eyes adapt|track the planets|"
        "sketch the Moon|check the forecast|count the meteors|polar align the mount|log each observation",
        G="watching the night sky|observing from a city garden|photographing the Moon|"
        "hunting for faint galaxies|timing a lunar eclipse|following the planets through the year",
        A="clear|moonless|hazy|frosty|bright|faint|steady|cloudy|crisp|dark",
        R="amateur astronomer|planetarium guide|physics teacher|telescope maker|sky photographer",
        F="The eye needs about twenty minutes in darkness before faint objects become visible.|"
        "Jupiter's four largest moons can be seen with an ordinary pair of binoculars.|"
        "A good pair of binoculars is often a better first instrument than a cheap telescope.|"
        "The Perseid meteor shower peaks in the middle of August and is best after midnight.|"
        "Light pollution from street lamps hides most of the Milky Way from town centres.|"
        "Saturn's rings were tilted almost edge on a few years ago and are now opening again.|"
        "The Moon shows the most detail near the line between light and shadow.|"
        "Steady air matters as much as dark skies when looking at the planets.",
        H="First light|Fighting the streetlights|A night at the dark site|Through the eyepiece|Keeping records",
    ),
    "transport": dict(
        N="bus lane|tram line|ring road|ticket machine|park and ride|cycle lane|railway station|"
        "bus shelter|pedestrian crossing|night bus|timetable|season ticket",
        V="change at the interchange|catch the early train|plan the route|buy a weekly pass|"
        "report a broken machine|wait for the next tram|check the live departures|walk the last mile",
        G="commuting by public transport|living without a car|planning a new bus network|"
        "running a community minibus|campaigning for safer crossings|travelling across town at night",
        A="crowded|punctual|late|frequent|cheap|reliable|slow|busy|quiet|direct",
        R="bus driver|transport planner|station manager|commuter|council engineer|ticket inspector",
        F="A bus that comes every ten minutes needs no timetable, because people simply turn up.|"
        "Most journeys in a small town are shorter than three miles.|"
        "Bus lanes only work when they are enforced through the busiest hours of the day.|"
        "The first horse drawn trams in many towns ran on rails laid in the middle of the road.|"
        "A single fare that covers buses and trains makes changing between them far less painful.|"
        "Late evening services are often the first to be cut and the last to be restored.|"
        "Traffic on the ring road falls sharply during the school holidays.|"
        "Real time departure boards have made waiting at a stop noticeably less stressful.",
        H="The morning commute|What the figures show|Fares and tickets|A view from the cab|Looking ahead",
    ),
    "history": dict(
        N="parish register|market cross|old mill|tithe map|coaching inn|canal basin|war memorial|"
        "town charter|workhouse|toll house|stone bridge|guild hall",
        V="search the parish records|transcribe the old letters|date the building|trace the family line|"
        "visit the county archive|read the census returns|map the old field names|interview older residents",
        G="researching local history|restoring an old building|collecting family stories|"
        "recording gravestones|studying old maps|running a village museum",
        A="forgotten|medieval|crumbling|handsome|humble|ruined|restored|ancient|dusty|painted",
        R="archivist|local historian|museum volunteer|stonemason|genealogist|retired teacher",
        F="The market was granted its charter in the thirteenth century and still runs on the same day.|"
        "Census returns taken every ten years are a goldmine for anyone tracing a family.|"
        "Many field names recorded on the tithe map are still used by farmers today.|"
        "The canal brought coal to the town and carried finished cloth back to the coast.|"
        "Parish registers record baptisms, marriages and burials, often in a hurried hand.|"
        "A fire in the eighteenth century destroyed most of the timber houses on the high street.|"
        "The old mill ground corn until the river was diverted after a flood.|"
        "Coaching inns grew up every dozen miles along the main road to change the horses.",
        H="In the archive|The building itself|Voices from the past|Maps and field names|What remains",
    ),
    "cycling": dict(
        N="road bike|chain|saddle|puncture kit|pannier rack|mudguard|track pump|handlebar bag|"
        "disc brake|inner tube|rear light|cycle computer",
        V="oil the chain|fix a puncture|adjust the gears|pump up the tyres|plan a quiet route|"
        "check the brakes|climb the long hill|ride in a group|pack the panniers|clean the drivetrain",
        G="cycling to work|touring with panniers|riding through the winter|maintaining your own bike|"
        "teaching a child to ride|riding the old railway path|commuting on a folding bike",
        A="steep|windy|smooth|rough|gravelly|flat|hilly|wet|sunny|narrow",
        R="cyclist|bike mechanic|club captain|touring rider|cycling coach|frame builder",
        F="Tyres lose pressure slowly, so it is worth checking them every week.|"
        "A clean, lightly oiled chain makes every ride feel a little easier.|"
        "Most punctures in winter come from flints washed onto the road by rain.|"
        "Riding in a group saves energy, because the riders behind shelter from the wind.|"
        "Old railway lines make excellent cycle paths because the gradients are always gentle.|"
        "Bright lights front and rear are a legal requirement after dark.|"
        "A saddle that is too low puts a great deal of strain on the knees.|"
        "Mudguards keep both the rider and the bike much cleaner through the wet months.",
        H="On the road|Maintenance basics|A long day in the saddle|Winter riding|Kit that earns its place",
    ),
    "software": dict(
        N="test suite|build server|code review|version control system|database schema|log file|"
        "release branch|bug tracker|command line tool|configuration file|deployment script|error message",
        V="write a failing test|read the error message|review the pull request|profile the slow query|"
        "tag the release|roll back the deployment|pair with a colleague|refactor the old module|document the decision",
        G="maintaining an old codebase|writing tests first|reviewing code kindly|running a small open source project|"
        "debugging a production outage|learning a new programming language|automating the release process",
        A="legacy|flaky|readable|brittle|tidy|clumsy|robust|quick|careful|tangled",
        R="software engineer|maintainer|tester|team lead|systems administrator|student programmer",
        F="A test that fails for no clear reason is worse than no test at all, because people learn to ignore it.|"
        "Most bugs are found by reading the error message slowly and believing what it says.|"
        "Small pull requests are reviewed faster and more carefully than large ones.|"
        "A clear commit message saves hours for whoever reads the history next year.|"
        "Logging the input that caused a failure is often enough to reproduce it.|"
        "Releases become routine when they happen often and are automated end to end.|"
        "Code that is easy to delete is usually easier to change as well.|"
        "A slow database query can often be fixed by adding a single index.",
        H="The first week|Tests and trust|When it broke|Reviewing each other|What we would do again",
    ),
    "music": dict(
        N="upright piano|practice room|metronome|choir rehearsal|brass band|violin bow|sheet music|"
        "guitar string|music stand|recording studio|folk session|drum kit",
        V="practise the scales|tune the strings|learn the piece by ear|count the bars|sing in harmony|"
        "record the rehearsal|warm up the voice|play along with the band|read the score",
        G="learning an instrument as an adult|singing in a choir|playing in a brass band|"
        "running a folk session|teaching piano to children|recording music at home",
        A="gentle|lively|mournful|bright|loud|delicate|jaunty|haunting|warm|brisk",
        R="piano teacher|choir director|session musician|bandmaster|sound engineer|busker",
        F="Short daily practice is worth far more than one long session at the weekend.|"
        "Singing in a group has been shown to lift the mood of almost everyone who joins in.|"
        "A piano that is not tuned for years slowly drifts flat and becomes harder to bring back.|"
        "Many folk tunes were passed on by ear long before anyone wrote them down.|"
        "Slowing a difficult passage right down is the quickest way to learn it.|"
        "Brass bands grew up around collieries and mills in the nineteenth century.|"
        "Recording a rehearsal shows problems that are impossible to hear while playing.|"
        "Children often learn rhythm more easily by clapping before they touch an instrument.",
        H="Starting again|The rehearsal room|Learning by ear|Performing for the first time|Notes for beginners",
    ),
    "health": dict(
        N="walking group|sleep routine|water bottle|step counter|vegetable box|stretching routine|"
        "exercise class|breakfast habit|standing desk|swimming pool|blood pressure monitor|physiotherapy plan",
        V="walk for half an hour|drink more water|stretch after exercise|go to bed earlier|eat more vegetables|"
        "take the stairs|book a check up|rest between sessions|cut down on sugar",
        G="building a walking habit|sleeping better|returning to exercise after injury|"
        "eating more fruit and vegetables|looking after your back at work|swimming for fitness",
        A="gentle|regular|healthy|tired|active|sore|steady|restful|balanced|brisk",
        R="nurse|physiotherapist|family doctor|fitness instructor|dietitian|swimming coach",
        F="Brisk walking for thirty minutes most days brings real benefits to the heart.|"
        "Adults generally need between seven and nine hours of sleep a night.|"
        "Sitting for long periods without a break is linked to back and neck pain.|"
        "Muscles recover and grow stronger during rest, not during the workout itself.|"
        "Thirst is a fairly reliable guide to how much water most healthy adults need.|"
        "Stretching gently after exercise can ease stiffness the following day.|"
        "Eating a range of colourful vegetables provides a wider mix of nutrients.|"
        "Regular check ups catch many common problems before they become serious.",
        H="Small steps|What the evidence says|Sleep first|Getting back on track|Habits that stick",
    ),
    "birds": dict(
        N="bird feeder|nest box|field guide|pair of binoculars|bird hide|garden pond|hedgerow|"
        "bird table|sound recorder|ringing station|estuary path|reed bed",
        V="clean the feeder|put up a nest box|count the birds|learn the songs|sit quietly in the hide|"
        "record the dawn chorus|note the first swallow|walk the estuary path",
        G="watching birds in the garden|counting waders on the estuary|learning birdsong|"
        "building nest boxes|keeping a bird diary|recording the dawn chorus",
        A="shy|noisy|colourful|tiny|graceful|restless|drab|speckled|elusive|tame",
        R="birdwatcher|warden|bird ringer|nature writer|reserve volunteer|wildlife photographer",
        F="Swallows return from Africa each spring, often to the very same barn.|"
        "A nest box should face away from the strong midday sun and the prevailing wind.|"
        "The dawn chorus is at its fullest in late April and early May.|"
        "Feeders need regular cleaning to stop disease spreading between birds.|"
        "Many waders feed on the mud at low tide and roost together when the water rises.|"
        "Robins sing through the winter to defend their feeding territory.|"
        "Learning a handful of common songs makes a woodland walk far richer.|"
        "Hedgerows provide food, shelter and safe routes for small birds.",
        H="At the feeder|Spring arrivals|On the estuary|Learning the songs|A year in the diary",
    ),
    "woodwork": dict(
        N="workbench|hand plane|dovetail saw|chisel set|oak board|sharpening stone|glue clamp|"
        "marking gauge|lathe|dust extractor|oil finish|tool chest",
        V="sharpen the chisels|plane the board flat|mark out the joint|cut the dovetails|glue up the frame|"
        "sand the surface|apply the finish|check for square|season the timber",
        G="making furniture by hand|restoring old tools|turning bowls on a lathe|building a workbench|"
        "carving spoons|working with reclaimed timber",
        A="seasoned|rough|smooth|warped|sturdy|oily|sharp|blunt|knotty|straight",
        R="joiner|furniture maker|carpenter|wood turner|tool restorer|cabinet maker",
        F="A sharp chisel is safer than a blunt one because it needs far less force.|"
        "Timber moves with the seasons as it takes in and gives out moisture.|"
        "Most joints fail because the surfaces were not cut cleanly and flat.|"
        "Oil finishes are easy to repair, while varnish gives harder protection.|"
        "Old hand planes can often be restored with a few hours of patient work.|"
        "Green wood is easier to carve and is then left to dry slowly.|"
        "A solid bench makes every other job in the workshop easier.|"
        "Measuring from a single reference edge avoids small errors adding up.",
        H="Setting up the bench|Sharp tools|The first joint|Finishing|Mistakes worth making",
    ),
    "weather": dict(
        N="rain gauge|weather station|barometer|wind vane|cloud chart|frost pocket|storm warning|"
        "temperature record|sea fog|heat wave|thunderstorm|flood defence",
        V="read the barometer|record the rainfall|watch the clouds|check the wind direction|"
        "log the temperature|clear the gutters|prepare for frost",
        G="keeping a weather diary|running a home weather station|forecasting from the clouds|"
        "recording rainfall for the water board|watching storms roll in from the sea",
        A="damp|blustery|mild|freezing|humid|stormy|still|bitter|balmy|drizzly",
        R="weather observer|meteorologist|farmer|lifeboat volunteer|gardener|forecaster",
        F="A falling barometer often gives a few hours of warning before rain arrives.|"
        "Valleys collect cold air on still nights, which is why frost lingers there.|"
        "Records kept by volunteers fill many gaps in the national rainfall network.|"
        "High thin cloud spreading from the west is often the first sign of a change.|"
        "Sea fog forms when warm, moist air drifts over colder water.|"
        "The wettest months on the western coast are usually in late autumn and winter.|"
        "Thunderstorms are most common on hot afternoons when the air is unstable.|"
        "A rain gauge should stand well clear of walls, trees and buildings.",
        H="The daily reading|A wet year|Reading the sky|Records broken|Living with the weather",
    ),
    "photography": dict(
        N="film camera|prime lens|tripod|light meter|darkroom|contact sheet|memory card|"
        "lens hood|photo album|street corner|portrait session|print",
        V="wait for the light|frame the shot|check the exposure|develop the film|print the best frames|"
        "walk the same street every day|ask before taking a portrait|back up the files",
        G="photographing the street|learning to develop film|taking portraits of neighbours|"
        "shooting landscapes at dawn|photographing birds|printing your own work",
        A="grainy|sharp|soft|moody|sunlit|contrasty|blurred|quiet|candid|faded",
        R="photographer|picture editor|darkroom technician|portrait artist|camera repairer",
        F="The hour after sunrise gives soft, warm light that flatters almost any subject.|"
        "A fixed lens forces the photographer to move and think about the frame.|"
        "Most old cameras still work well once the light seals have been replaced.|"
        "Backing up photographs in two places protects years of work from a single failure.|"
        "Printing a picture shows faults and qualities that a screen tends to hide.|"
        "Street photographers often return to the same corner many times.|"
        "Overcast skies are ideal for portraits because the light is even.|"
        "Black and white film is forgiving and can be developed in a small kitchen.",
        H="Choosing a camera|Light and timing|In the darkroom|People and places|Making prints",
    ),
    "bees": dict(
        N="beehive|smoker|bee suit|honey frame|queen excluder|hive tool|swarm box|"
        "extractor|wax foundation|apiary|nectar flow|winter cluster",
        V="inspect the hive|light the smoker|mark the queen|extract the honey|feed the colony|"
        "catch the swarm|check for mites|add another super",
        G="keeping bees in a garden|collecting swarms|harvesting honey|rearing queens|"
        "teaching beekeeping to beginners|planting for pollinators",
        A="calm|busy|angry|healthy|weak|strong|golden|waxy|heavy|gentle",
        R="beekeeper|bee inspector|honey farmer|swarm collector|association secretary",
        F="A strong colony can hold more than fifty thousand bees at the height of summer.|"
        "Bees are usually calmer on warm, sunny days when most foragers are out.|"
        "Swarming is the natural way a colony divides and usually happens in late spring.|"
        "Mites weaken colonies and need to be checked for several times a year.|"
        "Honey from lime trees has a pale colour and a fresh, minty taste.|"
        "A colony needs plenty of stored honey to survive a long winter.|"
        "Gentle movements and a little smoke make inspections much easier.|"
        "Local associations often lend equipment to new beekeepers.",
        H="The first season|Inside the hive|Swarm season|Harvest|Getting through winter",
    ),
}
EN_TOPICS = {
    name: {key: value.split("|") for key, value in fields.items()} for name, fields in EN_TOPICS.items()
}

# Generic sentences: every topic shares these, so they carry many slots and alternatives to keep
# two documents on the same topic from sharing long word runs.
EN_SENTENCES = """\
Most people who start {G} [discover|find out|realise] within a few weeks that the {N} matters far more than they expected.
{P}, who has worked as a {R} in {T} since {Y}, [says|insists|believes] the trick is to {V} before anything else.
On a {A} {W} in {M}, a small group gathered [at the {B}|in {T}] to {V} and compare notes.
It is tempting to buy a new {N}, but a {A} {N2} that is [looked after|cared for] properly will last for years.
The first time I tried to {V}, I made almost every mistake [that a beginner can make|in the book].
A {R} from {T} once told me that {G} is less about talent and more about [patience|stubbornness|good habits].
There are {K} things worth checking before you {V}, and the {N} is usually the first of them.
When the weather turns {A} in {S}, the {N} [needs|deserves] more attention than usual.
Nobody in {T} seemed to agree on the best way to {V}, which made the meetings long but rarely dull.
According to a [survey|small study] of {D} households, roughly one in {K} people had tried {G} at least once.
The {N} [near the {B}|in our street] was [installed|first used] in {Y} and has been repaired at least {K} times since then.
If you only remember one thing from this [article|piece], remember to {V} [slowly|calmly] and without rushing.
{P} keeps a notebook in which every attempt to {V} is written down with the date and the result.
I learned more from a single {A} afternoon with a {R} than from a whole shelf of books.
The old {N} had a {A} quality that none of the newer [models|versions] have managed to copy.
By the end of {M}, we had [learned|worked out how] to {V} without looking at the instructions.
Some readers wrote in to ask whether a {A} {N} is really necessary, and the honest answer is that it depends.
It took {K} attempts and a good deal of patience before the {N} behaved the way it was supposed to.
In {T}, the local club meets every {W} evening in a room above the {B}.
A {R} does not need expensive equipment, but a reliable {N} and a {A} {N2} make the work much easier.
The difference between a good result and a poor one often comes down to how carefully you {V}.
There is a long tradition of {G} in {T}, going back at least to {Y}.
Many guides suggest that you {V} first, although {P} prefers to start with the {N}.
After {K} years of {G}, I still find something new to learn almost every week.
The cost of a decent {N} has risen [sharply|steadily], and a {A} one now sells for around {D} pounds.
Children at the {B} [workshop|open day] were delighted when they finally managed to {V} on their own.
One of the quieter pleasures of {G} is the sense of progress that builds up over a whole {S}.
{P} admits that the early results were {A}, but argues that every {R} starts somewhere.
We tested {K} different approaches, and the simplest one turned out to be the most reliable.
It helps to keep the {N} somewhere dry and to check it again before you {V}.
The {A} light of early {M} is, for many of us, the best time of year to {V}.
My neighbour, a retired {R}, laughed when I showed [him|her] the {N} and then offered to help.
Nothing about {G} is truly difficult, yet doing it well requires attention to a hundred small details.
Local records from {Y} mention a {R} in {T} who was famous for the way [he|she] could {V}.
The next step is to {V}, which usually takes [a quiet hour|most of an afternoon|longer than you think].
A common complaint is that the {N} wears out too quickly, but regular care solves most of the problem.
The group in {T} has grown from {K} members to more than {D} over the past decade.
Whenever someone asks me where to begin, I suggest that they {V} and see how it feels.
The {N} and the {N2} work together, and a problem with one often shows up in the other.
During the long {S} evenings there is plenty of time to {V} and to plan the next project.
Experienced hands say that a {A} {N} is a sign that something went wrong much earlier.
{P} was sceptical at first, but after a month of {G} the results spoke for themselves.
This is not a new idea, and a pamphlet printed in {T} in {Y} described almost the same method.
For a beginner, the hardest part is knowing when to stop and let the {N} [rest|be].
There was a queue outside the {B} on {W} morning, as people waited to {V} for the first time.
I would not call the result perfect, but it was {A} enough to share with friends.
Several readers have pointed out that it is easier to {V} with a second pair of hands.
The price of failure is low, which is exactly why {G} is such a good hobby to learn from.
Once you have learned to {V}, the rest of the process starts to make sense.
It is worth talking to a {R} before you spend money on a new {N}.
In the spring of {Y}, the council in {T} agreed to fund a small project on {G}.
Looking back, the {A} {N} we started with was probably the reason for our early trouble.
Every {R} I spoke to for this piece mentioned the same advice: take your time and {V}.
A good rule is to write down what you did, because memory is a poor guide after a few weeks.
The {N} sat unused in a cupboard for {K} years before {P} decided to give it another try.
Small changes, such as a new {N} or a different time of day, can have a surprisingly large effect.
Not every {R} agrees, and some argue that {G} should be left to professionals.
The results were recorded on a chart that still hangs on the wall of the {B} in {T}.
If the {N} looks {A}, it is usually better to wait a day than to press on.
What surprised me most was how friendly everyone was, from the {R} to the newest visitor.
{P} and {P2} spent most of {M} trying to {V}, and they now run a monthly session for beginners.
The evening class at the {B} fills up within days, mostly with people who want to {V}.
I used to think {G} was for people with more spare time than me, and I was wrong.
Half the fun lies in the small conversations that happen while you {V}.
A {A} {N} is not a disaster, although it does mean starting again with more care.
The best advice I ever received came from a {R} who simply said: watch, then {V}.
Our budget for the year was only {D} pounds, so every purchase was argued over at length.
It rained for most of the weekend, which gave us an excuse to {V} indoors.
Few hobbies reward patience as generously as {G} does.
The {N} from {T} became something of a local celebrity after a photograph of it appeared in the paper.
If something goes wrong, the usual cause is the {N}, and the usual cure is to {V}.
For many in {T}, {G} began as a way to fill the quiet months of {S}.
"""
EN_SENTENCES = (EN_SENTENCES + """\
[Last|One] {S}, {P} [spent|gave up] a [week|fortnight] trying to {V}, and [came away|finished] with [a notebook full of|plenty of] ideas.
[Ask|Try asking] any {R} in {T} about the {N} and you [will|are likely to] hear a [different|fresh] story [each time|every time].
[Years ago|Long ago], the {N} [belonged to|was owned by] a {R} who [refused|declined] to sell it at any price.
[Our|The] [first|earliest] {N} [cost|came to] {D} pounds, which [seemed|felt like] a fortune [at the time|back then].
[Whether|However] you {V} is [less important|of less concern] than [whether|that] you [enjoy|like] doing it.
[On|During] [a visit|one trip] to {T}, I [met|bumped into] a {R} [whose|with a] {N} was [the envy of|admired by] the [whole|entire] [street|village].
[Few|Not many] [visitors|newcomers] realise [how much|just how much] [work|effort] goes into {G} [before|until] the [results|rewards] [show|appear].
[Some|A few] of the [best|happiest] [days|evenings] I can remember were spent {G} with [old|good] friends.
The {N} [tends|is inclined] to [misbehave|act up] when [it is|the air is] {A}, so [plan|arrange] the [work|day] [with that in mind|accordingly].
[Nobody|No one] [taught|showed] {P} how to {V}; [it|the skill] was [picked up|learned] by [watching|observing] others at the {B}.
[A|One] [retired|former] {R} [runs|leads] a [free|weekly] [session|class] in {T} for anyone [who wants|hoping] to {V}.
[Buying|Choosing] a {N} [second hand|used] is [sensible|wise], [provided|as long as] you [check|inspect] it [carefully|properly] [first|beforehand].
[It was|That was] {P} who [first|originally] [suggested|proposed] that we {V} [together|as a group] on {W} mornings.
{G} [has|can have] [a way of|the habit of] [filling|taking over] [every|each] spare [hour|evening], [as|which] my family [will|would] [confirm|tell you].
[By|Around] {Y}, [almost|nearly] every [house|home] in {T} [had|owned] a {N} of [some|one] kind.
[Patience|Care] with the {N} [pays|is repaid] [back|off] [many times|handsomely] [over|across] a [season|year].
[There is|You will find] a [photograph|picture] of the [original|old] {N} [hanging|framed] in the {B} in {T}.
[In|For] [most|many] [cases|situations], the [simplest|plainest] {N} [does|will do] the [job|work] [just as well|perfectly well].
[The|Our] [biggest|largest] [lesson|discovery] [that|this] {S} was [that|how] much [easier|simpler] it is to {V} [early in the day|in the morning].
[Whatever|Whichever] {N} you [choose|pick], [learn|get to know] it [well|thoroughly] before [moving on|upgrading].
""").strip().split("\n")

EN_QUOTES = """\
You cannot hurry it, and the sooner you accept that the happier you will be.
Everyone makes a mess the first time, and the second time is usually much better.
I come for the work but I stay for the company.
The books make it sound complicated, but your hands learn faster than your head.
We share what we have, and nobody leaves without learning something.
It is the small habits that make the difference over a year.
If it were easy, it would not be nearly so satisfying.
Half of the skill is knowing what to leave alone.
"""
EN_QUOTES = EN_QUOTES.strip().split("\n")

EN_OPENERS = (
    "In my experience, |To be fair, |Even so, |As it happens, |On balance, |For what it is worth, |"
    "In practice, |Sure enough, |At the same time, |Of course, |Oddly enough, |By contrast, |"
    "More often than not, |Either way, |Admittedly, |Later that year, |In the end, |Meanwhile, "
).split("|")

EN_TITLES = """\
What {K} years of {G} taught me
A {A} guide to {G} in {T}
Why every {R} should learn to {V}
{T} {R} shares lessons from {G}
Notes from a {A} {S} of {G}
How to {V} without the fuss
The {N} and why it matters
{K} questions about {G}, answered
Learning to {V} at the {B} in {T}
A {S} spent {G}
"""
EN_TITLES = EN_TITLES.strip().split("\n")

# --- Chinese -------------------------------------------------------------------------------

ZH_SURNAMES = "王|李|张|刘|陈|杨|赵|黄|周|吴|徐|孙|胡|朱|高|林|何|郭|马|罗|梁|宋|郑|谢|韩|唐|冯|许".split("|")
ZH_GIVEN = (
    "晓明|建国|丽华|志强|静|海燕|文博|雨婷|子涵|国栋|秀英|明轩|思远|佳怡|立新|春梅|伟|芳|磊|婷婷|"
    "浩然|欣怡|振华|玉兰|俊杰|梦琪|德胜|慧敏|家豪|雪梅"
).split("|")
ZH_CITIES = (
    "成都|杭州|西安|苏州|长沙|青岛|昆明|厦门|南京|武汉|重庆|大连|洛阳|泉州|桂林|兰州|哈尔滨|扬州|"
    "绍兴|宁波|合肥|南昌|贵阳|太原|烟台|无锡|温州|佛山"
).split("|")
ZH_PLACES = "社区图书馆|老街|菜市场|文化馆|小区花园|河边公园|老茶馆|少年宫|街道活动中心|旧书店|体育馆|夜市".split("|")
ZH_NUMS = "两|三|四|五|六|七|八|十|十几|二十多".split("|")
ZH_SEASONS = "春天|夏天|秋天|冬天".split("|")

ZH_TOPICS = {
    "cooking": dict(
        N="老面|铁锅|砂锅|菜刀|擀面杖|蒸笼|调料架|高压锅|案板|烤箱|发酵盆|酱油",
        V="揉面|炒糖色|熬高汤|包饺子|腌咸菜|蒸馒头|调馅料|切土豆丝|炖排骨|做红烧肉",
        A="松软|香脆|浓郁|清淡|鲜嫩|酥脆|劲道|软糯|咸香|爽口",
        R="面点师傅|厨师长|美食博主|家庭主妇|摊主|退休厨师",
        F="面团揉好以后要盖上湿布醒半个小时，这样做出来的面条才有嚼劲。|"
        "炖汤时最好一次加足水，中途加冷水会让汤变得浑浊。|"
        "新买的铁锅要先开锅，用猪皮反复擦几遍，以后就不容易粘锅。|"
        "包饺子的馅料里加一点花椒水，可以去腥提鲜。|"
        "蒸馒头关火后不要马上揭盖，等三五分钟再打开，馒头才不会回缩。|"
        "炒青菜要大火快炒，出锅前再放盐，颜色会更加翠绿。",
        H="选面粉的讲究|火候与时间|第一次失败的原因|一家人的餐桌|周末的菜市场",
    ),
    "gardening": dict(
        N="阳台花盆|堆肥桶|育苗盘|喷壶|番茄苗|月季|多肉植物|营养土|花架|雨水桶|葡萄架|绿萝",
        V="换盆|播种|修剪枝条|松土|施肥|扦插|浇透水|搭架子|除虫|分株",
        A="茂盛|娇嫩|耐旱|鲜艳|肥沃|湿润|干燥|翠绿|稀疏|结实",
        R="园艺爱好者|花农|苗圃老板|社区志愿者|退休教师|植物学老师",
        F="大多数蔬菜每天至少需要六个小时的直射阳光。|"
        "浇水要遵循见干见湿的原则，盆土表面干了再浇，一次浇透。|"
        "厨房里的果皮菜叶经过堆肥，可以变成很好的有机肥料。|"
        "月季在春天萌芽前修剪一次，开花会更加整齐。|"
        "多肉植物怕涝不怕旱，夏天要放在通风的地方。|"
        "番茄长到一定高度以后需要搭架子，不然枝条容易被果实压断。",
        H="准备土壤|多雨的春天|病虫害防治|收获的季节|明年的计划",
    ),
    "astronomy": dict(
        N="天文望远镜|星图|观测日志|红光手电|赤道仪|目镜|暗夜保护地|寻星镜|双筒望远镜|流星雨|月球|木星",
        V="寻找仙女座星系|校准寻星镜|记录观测结果|拍摄月面|观看流星雨|调整赤道仪|辨认星座|查看天气预报",
        A="晴朗|黑暗|朦胧|寒冷|明亮|暗淡|稳定|多云|清澈|寂静",
        R="天文爱好者|天文馆讲解员|物理老师|望远镜爱好者|星空摄影师",
        F="人眼在黑暗中大约需要二十分钟才能完全适应，看到更暗的星星。|"
        "用普通的双筒望远镜就可以看到木星的四颗大卫星。|"
        "英仙座流星雨每年八月中旬达到高峰，后半夜观看效果最好。|"
        "城市里的灯光污染让大多数人已经很难看到银河。|"
        "观察月球的最佳时间不是满月，而是上弦月或下弦月前后。|"
        "大气是否稳定，对观测行星的影响往往比天空是否黑暗更大。",
        H="第一次观测|和灯光污染作斗争|暗夜保护地的一晚|目镜里的世界|坚持记录",
    ),
    "transport": dict(
        N="公交专用道|地铁线路|环城公路|自动售票机|共享单车|换乘站|公交站台|夜班公交|时刻表|月票|人行横道|有轨电车",
        V="在换乘站转车|赶早班地铁|规划出行路线|办理交通卡|查看实时到站信息|步行最后一公里|骑共享单车上班",
        A="拥挤|准时|方便|便宜|可靠|缓慢|繁忙|安静|直达|宽敞",
        R="公交司机|交通规划师|地铁站长|上班族|交警|调度员",
        F="如果公交车每十分钟就有一班，乘客基本上就不需要看时刻表了。|"
        "公交专用道只有在高峰时段严格执法，才能真正发挥作用。|"
        "地铁和公交之间的换乘优惠，让很多人愿意放弃开车出行。|"
        "夜班公交往往是最先被削减、最后才恢复的线路。|"
        "实时到站信息上线以后，在站台等车变得不再那么焦虑。|"
        "城市里大多数日常出行的距离其实都不超过五公里。",
        H="早高峰|数据怎么说|票价与优惠|驾驶室里的视角|未来的规划",
    ),
    "history": dict(
        N="族谱|老城墙|石拱桥|县志|古戏台|祠堂|老码头|牌坊|会馆|老照片|碑刻|古井",
        V="查阅县志|整理族谱|拍摄老建筑|采访老人|抄录碑文|对照旧地图|走访老街巷|修缮祠堂",
        A="古老|斑驳|破旧|精美|朴素|残缺|古朴|幽静|沧桑|完整",
        R="地方史研究者|档案馆员|文物志愿者|老木匠|退休教师|博物馆讲解员",
        F="这座石拱桥建于清朝乾隆年间，至今仍有行人往来。|"
        "县志里详细记载了当年修筑城墙所用的人力和时间。|"
        "老码头曾经是整个县城最热闹的地方，商船从这里把茶叶运往各地。|"
        "祠堂里的木雕大多出自本地工匠之手，题材多是民间故事。|"
        "很多老街的名字，至今还保留着过去手工作坊的痕迹。|"
        "一场大火烧毁了半条街的木结构房屋，后来重建时改用了青砖。",
        H="在档案馆里|建筑本身|过去的声音|地图与地名|留下来的东西",
    ),
    "cycling": dict(
        N="公路车|链条|车座|补胎工具|货架|挡泥板|打气筒|车把包|碟刹|内胎|尾灯|码表",
        V="给链条上油|补胎|调变速|给轮胎打气|规划骑行路线|检查刹车|爬长坡|结伴骑行|清洗车子",
        A="陡峭|平坦|颠簸|顺畅|泥泞|狭窄|开阔|崎岖|轻快|漫长",
        R="骑行爱好者|自行车修理师傅|车队队长|长途骑行者|骑行教练",
        F="轮胎会慢慢漏气，最好每周检查一次气压。|"
        "干净并且适当上油的链条，会让每一次骑行都轻松一些。|"
        "结伴骑行可以节省体力，因为后面的人能躲在前面的人身后避风。|"
        "很多废弃的铁路被改造成了绿道，坡度平缓，非常适合骑车。|"
        "夜间骑行一定要装好前灯和尾灯。|"
        "车座太低会让膝盖承受很大的压力。",
        H="在路上|日常保养|一整天的长途|冬季骑行|值得带上的装备",
    ),
    "software": dict(
        N="测试用例|构建服务器|代码评审|版本控制|数据库表结构|日志文件|发布分支|缺陷跟踪系统|命令行工具|配置文件|部署脚本|报错信息",
        V="先写一个失败的测试|仔细阅读报错信息|评审合并请求|分析慢查询|回滚部署|结对编程|重构旧模块|记录设计决策",
        A="陈旧|不稳定|清晰|脆弱|整洁|臃肿|健壮|简洁|混乱|可靠",
        R="软件工程师|开源维护者|测试工程师|技术负责人|运维工程师|计算机专业学生",
        F="一个时好时坏的测试比没有测试更糟糕，因为大家会慢慢学会忽略它。|"
        "很多问题只要耐心把报错信息从头读到尾，就能找到原因。|"
        "改动小的合并请求，往往评审得更快，也更仔细。|"
        "写清楚提交说明，可以给一年后翻看历史的人节省大量时间。|"
        "发布流程完全自动化以后，上线就变成了一件平常的事。|"
        "给数据库加一个合适的索引，常常就能解决慢查询的问题。",
        H="第一周|测试与信任|线上故障那一天|互相评审|值得再做一次的事",
    ),
    "music": dict(
        N="钢琴|琴房|节拍器|合唱团排练|二胡|小提琴|乐谱|吉他弦|谱架|录音棚|民乐队|古筝",
        V="练习音阶|给琴调音|靠耳朵扒谱|数拍子|练习和声|给排练录音|开嗓|跟着乐队合奏|视唱乐谱",
        A="轻柔|欢快|低沉|明亮|响亮|细腻|悠扬|激昂|温暖|婉转",
        R="钢琴老师|合唱指挥|乐手|民乐团团长|录音师|街头艺人",
        F="每天短时间练习，比周末一次练很久效果更好。|"
        "很多民歌在被记录成乐谱之前，都是靠口耳相传流传下来的。|"
        "把困难的段落放慢速度练习，往往是最快的学会方法。|"
        "给排练录音，能听出演奏时自己察觉不到的问题。|"
        "孩子们先用拍手学节奏，再去碰乐器，会更容易上手。|"
        "钢琴多年不调音，音高会逐渐偏低，再想调回来就更难了。",
        H="重新开始|排练室里|靠耳朵学习|第一次登台|给初学者的话",
    ),
    "health": dict(
        N="健步走小组|作息表|水杯|计步器|蔬菜|拉伸动作|健身课|早餐|升降桌|游泳池|血压计|康复计划",
        V="快走半小时|多喝水|运动后拉伸|早点睡觉|多吃蔬菜|走楼梯|定期体检|控制糖分|劳逸结合",
        A="规律|健康|疲惫|积极|酸痛|稳定|充足|均衡|轻松|适度",
        R="护士|康复治疗师|家庭医生|健身教练|营养师|游泳教练",
        F="大多数成年人每天需要七到九个小时的睡眠。|"
        "每天快走三十分钟，对心脏健康有明显的好处。|"
        "长时间久坐不动，容易引起腰背和颈椎的不适。|"
        "肌肉是在休息的时候恢复和变强的，而不是在锻炼的时候。|"
        "运动后做一些轻柔的拉伸，可以减轻第二天的酸痛。|"
        "定期体检能够在很多常见疾病变严重之前就发现它们。",
        H="从小事做起|研究怎么说|先把觉睡好|重新回到正轨|坚持下来的习惯",
    ),
    "tea": dict(
        N="紫砂壶|盖碗|茶园|龙井|普洱|铁观音|公道杯|茶席|炭炉|白茶|茶青|焙笼",
        V="烫杯温壶|采摘新茶|炒制茶青|品鉴新茶|控制水温|存放老茶|布置茶席|学习冲泡",
        A="清香|醇厚|回甘|苦涩|鲜爽|浓烈|淡雅|甘甜|温润|细腻",
        R="茶农|制茶师傅|茶馆老板|茶艺老师|茶叶收购商",
        F="绿茶适合用八十度左右的水冲泡，水太烫会把茶叶泡熟。|"
        "好的白茶放上几年以后，味道会变得更加醇和。|"
        "清明前采摘的龙井被称为明前茶，产量少，价格也高。|"
        "紫砂壶最好一把壶只泡一种茶，时间长了会养出茶香。|"
        "炒茶全凭手感，师傅的手在滚烫的锅里翻动茶叶。|"
        "存放茶叶要避光、防潮、远离异味。",
        H="走进茶园|炒茶的手艺|泡一杯好茶|茶馆里的故事|存茶的学问",
    ),
    "hiking": dict(
        N="登山杖|背包|徒步路线|山间小路|帐篷|指南针|登山鞋|水壶|防风外套|山顶|营地|溪流",
        V="规划徒步路线|提前查看天气|搭帐篷|轻装上阵|沿着溪流走|在山顶看日出|收拾垃圾下山|结伴出行",
        A="陡峭|险峻|平缓|幽深|开阔|泥泞|凉爽|潮湿|壮观|宁静",
        R="领队|户外爱好者|护林员|山地救援队员|登山向导",
        F="山里的天气变化很快，出发前一定要看天气预报。|"
        "下山时膝盖承受的压力比上山更大，登山杖能起到很好的保护作用。|"
        "徒步时要把垃圾全部带下山，不给山林留下负担。|"
        "新买的登山鞋最好先在城里穿几次，避免长途徒步时磨脚。|"
        "在没有信号的山区，纸质地图和指南针依然非常可靠。|"
        "结伴出行比独自进山安全得多。",
        H="出发之前|山路上|营地的夜晚|登顶|安全第一",
    ),
}
ZH_TOPICS = {
    name: {key: value.split("|") for key, value in fields.items()} for name, fields in ZH_TOPICS.items()
}

ZH_SENTENCES = """\
很多人刚开始学着{V}的时候，都会发现{N}比想象中[重要得多|讲究得多]。
在{C}做了{K}年{R}的{P}说，最关键的是先把{N}准备好，其余的事情都好办。
{Y}年{M}月的一个周末，[十几位|一群]爱好者聚在{C}的{L}，一起{V}，交流各自的心得。
买一个新的{N}当然省事，但一个保养得当的{N2}可以用上[很多年|好几年]。
我第一次尝试{V}的时候，几乎把新手会犯的错误全都犯了一遍。
一位来自{C}的{R}曾经对我说，{V}靠的不是天分，而是[耐心|坚持|好习惯]。
在动手{V}之前，有{K}件事值得先检查一下，{N}通常是第一件。
到了{S}，天气一变，{N}就需要比平时多花些心思。
{C}的爱好者们对怎样{V}一直争论不休，所以每次聚会都开得很长，却从来不觉得无聊。
根据一项对{D}户家庭的[调查|走访]，大约每{K}个人里就有一个尝试过{V}。
{L}旁边的那个{N}是{Y}年[装上|添置]的，从那以后至少修过{K}次。
如果这篇文章你只能记住一件事，那就是{V}的时候千万不要着急。
{P}有一个笔记本，每一次{V}的日期和结果都被认认真真地记在上面。
跟一位{R}相处的一个{A}的下午，让我学到的东西比读一整架书还多。
那个旧{N}有一种{A}的味道，后来的新款怎么也比不上。
到了{M}月底，我们已经可以不看说明，自己动手{V}了。
有读者来信问，是不是一定要买一个{A}的{N}，老实说，这要看具体情况。
前前后后试了{K}次，花了不少工夫，{N}才终于[听话|像样]了。
在{C}，爱好者们每个星期{W}晚上都会在{L}的二楼聚一聚。
做一名{R}并不需要昂贵的装备，但一个靠得住的{N}和一个{A}的{N2}能让事情轻松很多。
结果好不好，很多时候就看你{V}的时候够不够细心。
{C}有着悠久的传统，早在{Y}年就有人开始研究怎样{V}。
不少教程建议先{V}，不过{P}更喜欢从{N}入手。
{V}了{K}年，我几乎每个星期还能学到一点新东西。
一个像样的{N}价格涨了不少，现在{A}一点的要卖到{D}元左右。
在{L}的[体验活动|开放日]上，孩子们第一次独立完成了{V}，高兴得跳了起来。
{V}有一种安静的乐趣，那就是在一整个{S}里慢慢积累起来的进步感。
{P}承认，刚开始的效果并不理想，但[他|她]觉得每一位{R}都是这样起步的。
我们前后试了{K}种方法，结果发现最简单的那一种反而最可靠。
{N}最好放在干燥的地方，在{V}之前再检查一遍。
对很多人来说，{M}月初那几天是一年里最适合{V}的时候。
我的邻居是一位退休的{R}，看到我的{N}先是笑了，接着就主动过来帮忙。
{V}其实没有什么真正困难的地方，但要做好，就得留意上百个小细节。
{Y}年的地方志里记载，{C}曾经有一位{R}，因为特别擅长{V}而远近闻名。
下一步是{V}，这一步通常需要[一个多小时|大半个下午|比想象中更长的时间]。
常有人抱怨{N}坏得太快，其实只要平时注意保养，大部分问题都能避免。
过去十年里，{C}的这个小组从最初的{K}个人发展到了{D}多人。
每当有人问我该从哪里开始，我都建议先{V}，看看自己是不是真的喜欢。
{N}和{N2}是配合在一起用的，一个出了问题，另一个往往也会受影响。
漫长的{S}夜晚，正好有时间{V}，顺便计划下一个项目。
有经验的人都说，{N}一旦显得{A}，多半是前面哪个环节出了差错。
{P}起初并不相信，可是坚持{V}一个月以后，效果让[他|她]心服口服。
这并不是什么新鲜主意，{Y}年在{C}印行的一本小册子里就描述过几乎一样的做法。
对新手来说，最难的是知道什么时候该停下来，让{N}歇一歇。
星期{W}一大早，{L}门口就排起了长队，大家都想第一次亲手{V}。
结果算不上完美，但已经足够{A}，可以拿出来和朋友们分享了。
好几位读者提醒我，{V}的时候最好有人在旁边搭把手。
失败的代价很小，这也正是{V}适合用来学习的原因。
一旦学会了{V}，后面的步骤也就顺理成章了。
在花钱买新的{N}之前，最好先听听{R}的意见。
{Y}年春天，{C}的街道办拨出一笔小经费，支持居民{V}。
回头看，我们一开始用的那个{A}的{N}，大概就是早期问题的根源。
我为这篇文章采访的每一位{R}，都提到了同一条建议：慢慢来，先{V}。
每次做完都记下来是个好习惯，因为过了几个星期，记忆就靠不住了。
那个{N}在柜子里放了{K}年，直到{P}决定再试一次。
一些小小的改变，比如换一个{N}，或者换个时间{V}，效果往往出人意料。
并不是每一位{R}都赞同这种做法，有人认为这件事还是交给专业人士比较好。
每次的结果都记在一张表上，那张表至今还挂在{C}{L}的墙上。
最让我意外的是大家都非常友善，从经验丰富的{R}到刚来的新人都是如此。
{P}和{P2}花了整个{M}月学习{V}，现在每个月都给新手开一次分享会。
{L}的夜校课程每次一开放报名，几天之内就满了，大多数人是冲着{V}来的。
我以前总觉得{V}是时间多的人才玩得起的，后来才发现自己想错了。
一半的乐趣，来自{V}时和身边的人随口聊上几句。
{N}弄得{A}一点也不要紧，大不了更仔细地从头再来。
那年周末连着下雨，我们正好有理由待在家里{V}。
很少有哪一种爱好，能像{V}这样慷慨地回报人的耐心。
如果出了问题，原因通常在{N}，解决办法通常是重新{V}。
对{C}的很多人来说，{V}最初只是用来打发{S}的空闲时光。
"""
ZH_SENTENCES = (ZH_SENTENCES + """\
{C}的{P}[告诉我|跟我说]，[刚入门时|头一年]最容易犯的错[就是|恰恰是]急着{V}。
[那天|那一次]在{L}，{P}[一边|边]{V}，[一边|边]给围观的人讲{N}的来历。
{N}[用久了|放久了]难免{A}，[这时候|此时]别急着扔，先[请教|问问]懂行的{R}。
[按照|照着]{P}的[办法|思路]，我们把{N}[换了个位置|重新摆了一遍]，[情况|局面]立刻好转。
{Y}年前后，{C}[一带|附近]的{R}[大多|普遍]认为，{V}[只能|必须]在{S}进行。
[报名的|来参加的]人[里|当中]，[年纪最大的|最年长的]已经七十多岁，[最小的|年纪最小的]还在读小学。
[若是|倘若]{N}出了状况，[千万别|不要]硬来，[先|不妨先]停下来[想一想|琢磨一下]。
{P}[笑着说|打趣说]，自己[这辈子|这些年]在{N}上花的钱，[够|足够]买[好几|十几]个{N2}了。
[第二天|隔天]一早，{P}又[跑到|来到]{L}，[想|打算]把没做完的{V}[补上|做完]。
[起步|入门]阶段不必[追求|讲究]{A}，能[稳稳当当地|踏踏实实地]{V}就[很好|够了]。
{C}的[冬天|夏天][格外|特别]{A}，[这让|使得]{V}[多了|平添了]几分难度。
[据|按]{P}[回忆|的说法]，[当年|那时候]整个{C}[只有|就]{K}家店[卖|出售]{N}。
[每逢|每到]{M}月，{L}[都会|总会][举办|组织]一场小型[展示|交流]，[主题|内容]就是{V}。
[和|跟]{R}[聊得越多|交流越多]，越[觉得|明白]{V}[里头|当中]的[学问|门道]深不见底。
[不少|很多][年轻人|上班族]把{V}当成[解压|放松]的方式，[下班后|周末][常常|经常]约着一起去。
[说来|讲起来][惭愧|好笑]，我[家里|屋里]的{N}[至今|到现在]还是{P}[送|借]给我的。
{V}[这门|这项][手艺|本事]，[在|于]{C}[已经|早已][传了|延续了][好几代|上百年]。
[只要|但凡]{N}[准备|收拾]妥当，{V}[就|便]成功了一半。
[据说|听说]{C}[有位|有个]{R}[专门|特地][为此|为了这个]写了一本[小书|手册]。
[有一年|那年]{S}，[我们|大伙儿]在{L}[连续|一连]忙了{K}[天|个周末]，[才把|总算把]{N}[弄好|修好]。
[面对|看着]{A}的{N}，{P}[并不|一点也不][着急|慌张]，[只是|而是][慢条斯理地|不紧不慢地]{V}。
[真正|实际]动手以后[才知道|才明白]，{V}[最考验|最需要]的[其实是|是]眼力和[耐性|耐心]。
[有人|不少人]问{P}[为什么|为何][要|非要]{V}，[他|她]想了想说：[图的|为的]就是那份踏实。
[在|到]{L}[转一圈|走一趟]，[总能|常能]碰见[一两位|几位]正在{V}的[老熟人|熟面孔]。
[起初|一开始]{N}[总是|老是]{A}，[后来|之后]{P}[找到|摸索出]了[窍门|诀窍]，[问题|麻烦][迎刃而解|一下子解决了]。
[在|对于]{C}[人|居民]来说，{V}[早就|早已][融入|成了]日常生活的一部分。
[那本|一本][发黄的|旧]笔记[里|上]，{P}用[铅笔|钢笔]画满了{N}的[草图|示意图]。
[上个月|前不久]，{L}[来了|迎来]一批[新面孔|新成员]，{P}[手把手|耐心地]教他们{V}。
{K}个人[分成|分作]两组，[一组|一队]负责{V}，[另一组|另一队][照看|打理]{N}。
[照|按]老规矩，{V}[之前|以前]要先[把|将]{N}[擦干净|检查一遍]，[这是|此乃]{R}们[传下来的|留下的]习惯。
[换了|用上]新的{N}以后，{V}[省了|节约了][不少|很多][力气|时间]。
""").strip().split("\n")

ZH_QUOTES = """\
这件事急不得，越早想明白这一点，就越能享受其中的乐趣。
谁第一次都会弄得一团糟，第二次往往就好多了。
我是冲着手艺来的，留下来却是因为这里的人。
书上写得很复杂，其实手比脑子学得快。
把自己会的分享出去，每个人都能有所收获。
一年下来，真正起作用的是那些不起眼的小习惯。
"""
ZH_QUOTES = ZH_QUOTES.strip().split("\n")

ZH_OPENERS = "说实话，|其实，|不过，|总的来说，|另一方面，|值得一提的是，|有意思的是，|事实上，|当然，|后来，|与此同时，|说起来，".split("|")

ZH_TITLES = """\
{C}的{R}：{K}年{V}的心得
{V}这件小事，我坚持了{K}年
在{C}学{V}：写给新手的{K}条建议
{S}里的{N}：一位{R}的笔记
从{L}开始的{V}之路
关于{N}，你可能不知道的{K}件事
"""
ZH_TITLES = ZH_TITLES.strip().split("\n")

# --- Other languages: a short local-news register per language, `{name}`/`{city}`/`{num}` slots --

FOREIGN = {
    "ja": dict(
        names="田中|佐藤|鈴木|高橋|山本|渡辺|中村|小林",
        cities="京都|札幌|金沢|松本|福岡|仙台|長崎|函館",
        text="""\
{city}の駅前にある小さな喫茶店は、毎朝七時から営業しています。
店主の{name}さんは、毎朝自分でパンを焼いてから店を開けるそうです。
週末になると、近所の家族連れや学生たちでいつもにぎわっています。
私が初めてこの店を訪れたのは、雨が降る寒い日の午後でした。
窓際の席に座って、温かいコーヒーを飲みながら本を読むのが好きです。
最近では、{num}種類以上のケーキがメニューに並ぶようになりました。
特に人気があるのは、季節の果物を使ったタルトだと言われています。
お店の壁には、地元の写真家が撮った古い町並みの写真が飾られています。
この町では、毎年秋になると大きなお祭りが開かれます。
子どもたちは朝早くから神社に集まり、太鼓の練習をしています。
お祭りの日には、通りにたくさんの屋台が並び、夜遅くまで明かりが消えません。
もし{city}に行く機会があれば、ぜひ一度立ち寄ってみてください。""",
    ),
    "de": dict(
        names="Frau Becker|Herr Schneider|Frau Hoffmann|Herr Wagner|Frau Schulz|Herr Krüger",
        cities="Freiburg|Göttingen|Bamberg|Lüneburg|Erfurt|Tübingen|Konstanz|Weimar",
        text="""\
Am Rande von {city} liegt ein kleiner Garten, der seit über {num} Jahren von einem Verein gepflegt wird.
Jeden Samstag treffen sich dort Nachbarn, um gemeinsam Gemüse anzubauen und Erfahrungen auszutauschen.
{name} erzählt, dass die Tomaten in diesem Sommer besonders gut gewachsen sind.
Viele Mitglieder sind erst in den letzten Jahren dazugekommen, weil sie einen Ausgleich zum Büroalltag gesucht haben.
Im Herbst wird die Ernte bei einem Fest geteilt, zu dem auch die Kinder aus der nahen Schule eingeladen werden.
Die Stadtverwaltung unterstützt das Projekt mit Wasser und einem kleinen Zuschuss für neues Werkzeug.
Wer mitmachen möchte, braucht keine Vorkenntnisse, sondern nur etwas Geduld und Freude an der Arbeit im Freien.
Besonders beliebt sind die alten Apfelsorten, die man im Supermarkt kaum noch findet.
Nach der Arbeit sitzen viele noch auf der Bank unter dem Nussbaum und unterhalten sich.
Der Zug nach {city} war am Montagmorgen wieder einmal verspätet.
Pendler beschweren sich seit Monaten über ausgefallene Verbindungen und überfüllte Wagen.
Die Bahn kündigte an, bis zum Ende des Jahres neue Fahrzeuge einzusetzen.""",
    ),
    "fr": dict(
        names="Madame Lefèvre|Monsieur Girard|Madame Roux|Monsieur Fontaine|Madame Chevalier",
        cities="Annecy|Besançon|Colmar|Nantes|Poitiers|Albi|Quimper|Dijon",
        text="""\
Le marché de {city} s'installe chaque mercredi matin sur la place de l'église.
On y trouve des fromages de la région, du pain encore chaud et des légumes cueillis la veille.
{name}, qui vend des fruits depuis {num} ans, connaît presque tous ses clients par leur prénom.
Selon elle, les habitudes ont beaucoup changé, mais le plaisir de discuter reste le même.
Les jeunes familles viennent de plus en plus souvent, surtout depuis l'ouverture de la nouvelle école.
Vers midi, les commerçants rangent leurs étals et la place retrouve son calme habituel.
La mairie souhaite agrandir le marché pour accueillir davantage de producteurs locaux.
Certains habitants craignent toutefois que cela ne modifie l'ambiance du quartier.
La bibliothèque municipale propose désormais des ateliers de lecture pour les enfants le samedi.
Les bénévoles choisissent chaque semaine un nouveau livre et préparent des jeux autour de l'histoire.
Il faut dire que l'hiver a été particulièrement doux cette année dans toute la région.
Les agriculteurs attendent la pluie avec impatience avant de commencer les semis.""",
    ),
    "es": dict(
        names="Carmen Ruiz|Javier Moreno|Lucía Navarro|Andrés Romero|Pilar Domínguez",
        cities="Salamanca|Cádiz|Zaragoza|Oviedo|Granada|Valladolid|Cuenca|Toledo",
        text="""\
En el centro de {city} hay una pequeña librería que abrió sus puertas hace {num} años.
{name} la fundó después de trabajar durante mucho tiempo como profesora de literatura.
Los estantes de madera llegan hasta el techo y están llenos de novelas, poesía y libros de viaje.
Cada jueves por la tarde se organiza un club de lectura al que asisten vecinos de todas las edades.
Según la dueña, lo más importante es que la gente se sienta como en casa.
Durante el verano, muchos turistas entran para refugiarse del calor y terminan comprando algún libro.
El ayuntamiento ha prometido mejorar la iluminación de la calle para atraer a más visitantes.
Los vecinos del barrio están preparando una fiesta para celebrar el aniversario de la plaza.
Habrá música en directo, comida casera y juegos para los niños durante todo el fin de semana.
La lluvia de los últimos días ha obligado a cambiar algunos planes, pero nadie parece preocupado.
Muchos jóvenes prefieren ahora moverse en bicicleta por la ciudad en lugar de usar el coche.
Las nuevas rutas ciclistas conectan el río con la universidad y el mercado central.""",
    ),
    "ru": dict(
        names="Анна Петровна|Сергей Иванович|Ольга Смирнова|Михаил Козлов|Елена Волкова",
        cities="Суздаль|Вологда|Кострома|Псков|Тверь|Калуга|Ярославль|Рязань",
        text="""\
В небольшом городе {city} недавно открылась новая библиотека.
{name} работает там уже {num} лет и хорошо знает всех постоянных читателей.
По вечерам в читальном зале собираются школьники, студенты и пенсионеры.
Каждую субботу здесь проходят встречи с местными писателями и краеведами.
Многие жители говорят, что библиотека стала настоящим центром общественной жизни.
Зимой, когда на улице рано темнеет, люди особенно охотно приходят сюда почитать газеты.
Администрация города обещает выделить деньги на ремонт крыши и новые книжные полки.
Летом дети участвуют в конкурсе чтения и получают небольшие подарки за каждую прочитанную книгу.
Весной в городском парке снова открылись пункты проката велосипедов.
Жители с удовольствием катаются по новым дорожкам вдоль реки.
Погода в этом году была необычно тёплой для начала апреля.
Садоводы уже начали готовить грядки и высаживать первую рассаду.""",
    ),
    "ko": dict(
        names="김민수|이서연|박지훈|최유진|정현우|강수빈",
        cities="전주|경주|춘천|통영|안동|여수|강릉|목포",
        text="""\
{city}의 오래된 시장 골목에는 작은 국수집이 하나 있습니다.
주인 {name} 씨는 {num}년 넘게 같은 자리에서 직접 면을 뽑아 왔습니다.
점심시간이 되면 근처 회사원들과 학생들이 줄을 서서 기다립니다.
가장 인기 있는 메뉴는 멸치로 우려낸 국물에 말아 주는 잔치국수입니다.
손님들은 이 집의 맛이 어릴 때 먹던 할머니의 음식과 비슷하다고 말합니다.
최근에는 젊은 사람들도 사진을 찍으러 일부러 찾아오곤 합니다.
시장 상인회는 주말마다 작은 공연을 열어 손님을 모으고 있습니다.
비가 오는 날에는 따뜻한 국물을 찾는 사람들이 더 많아진다고 합니다.
올해 봄에는 강변을 따라 새로운 산책로가 문을 열었습니다.
주민들은 저녁마다 가족과 함께 걸으며 시간을 보냅니다.
도서관에서는 어린이를 위한 독서 교실이 매주 토요일에 열립니다.
자원봉사자들이 책을 읽어 주고 아이들은 그림을 그리며 이야기를 나눕니다.""",
    ),
}
FOREIGN_ORDER = ("ja", "de", "fr", "es", "ru", "ko")

# --- Pages that should be dropped ----------------------------------------------------------

SPAM_EN_KEYWORDS = (
    "cheap pills|buy now|best price|online pharmacy|no prescription|discount watches|replica handbags|"
    "free casino bonus|weight loss pills|payday loans fast|cheap flights deals|make money online|"
    "free shipping|lowest price guaranteed|order today|limited offer"
).split("|")
SPAM_ZH_KEYWORDS = (
    "六合彩|时时彩|百家乐|博彩|威尼斯人|开奖结果|投注|澳门赌场|真人娱乐|北京赛车|彩票平台|"
    "老虎机|体育投注|注册送彩金|百家乐技巧|六合彩资料|时时彩计划|网上赌场"
).split("|")

BOILER_EN = (
    "Home|About us|Contact|Sign in|Register|Forgot password?|Remember me|Username|Password|News|Sport|"
    "Weather|Archive|Subscribe|Search|Categories|Tags|Recent posts|Next page|Previous page|Site map|"
    "Help centre|My account|Basket|Checkout|Careers|Advertise|Press"
).split("|")
BOILER_ZH = (
    "首页|关于我们|联系我们|登录|注册|忘记密码？|记住我|用户名|密码|新闻|体育|天气|归档|订阅|搜索|"
    "分类|标签|最新文章|下一页|上一页|网站地图|帮助中心|我的账户|购物车|结算|招聘|广告合作|意见反馈"
).split("|")

SHORT_EN = """\
The shop is closed for the holidays and will reopen on the fourth of January.
This page has moved. Please update your bookmarks.
Thank you for your order, which will be dispatched within two working days.
The meeting has been postponed until further notice.
Tickets for the spring concert are now sold out.
Our office is closed on Monday for the bank holiday.
The swimming pool will reopen after repairs to the roof are finished.
Registration for the autumn term opens next week.
"""
SHORT_EN = SHORT_EN.strip().split("\n")
SHORT_ZH = """\
本店春节期间暂停营业，正月初八恢复正常。
本页面已迁移，请更新您的收藏夹。
感谢您的订购，我们将在两个工作日内发货。
原定于本周六的讲座延期举行，具体时间另行通知。
春季音乐会的门票已经全部售完。
游泳馆屋顶维修期间暂停开放。
秋季班报名将于下周一开始。
"""
SHORT_ZH = SHORT_ZH.strip().split("\n")

# Interchangeable words, swapped at random in every sentence: fixed template text is what two
# documents share, and breaking it every few words keeps distinct documents far apart in n-grams.
EN_SYNONYMS = (
    "often|usually|frequently", "small|little|modest", "quickly|fast", "almost|nearly", "really|truly",
    "begin|start", "around|about", "whole|entire", "simply|just", "perhaps|maybe", "large|big",
    "difficult|hard|tricky", "friends|neighbours|family", "people|folk", "surprisingly|remarkably",
    "advice|suggestion", "decided|chose", "learn|pick up", "easier|simpler", "helps|pays",
)
ZH_SYNONYMS = (
    "很多|许多|不少|好多", "发现|意识到|注意到", "其实|实际上|说到底", "往往|常常|经常", "非常|十分|相当",
    "最好|不妨", "已经|早就", "我们|大家|我们几个", "一起|一道|一块儿", "觉得|认为", "比较|相对",
    "特别|格外|尤其", "主动|热心", "仔细|细致", "问题|毛病", "新手|初学者|入门者", "爱好者|发烧友|同好",
    "一直|始终|向来", "后来|之后|再后来", "最初|起初|一开始", "可以|能够", "几乎|差不多|基本上",
    "至少|起码", "大约|大概", "因为|由于", "所以|因此|于是", "如果|要是|假如", "看看|瞧瞧",
    "回头看|回过头看", "朋友|熟人|伙伴", "周末|休息日", "高兴|开心", "简单|省事", "晚上|傍晚",
)


def _synonym_table(groups: tuple[str, ...], word_boundary: bool) -> tuple[re.Pattern, dict]:
    choices = {word: group.split("|") for group in groups for word in group.split("|")}
    alternation = "|".join(sorted(map(re.escape, choices), key=len, reverse=True))
    return re.compile(rf"\b(?:{alternation})\b" if word_boundary else alternation), choices


_EN_VARY = _synonym_table(EN_SYNONYMS, word_boundary=True)
_ZH_VARY = _synonym_table(ZH_SYNONYMS, word_boundary=False)


def vary(rng: random.Random, text: str, lang: str) -> str:
    pattern, choices = _EN_VARY if lang == "en" else _ZH_VARY
    return pattern.sub(lambda m: rng.choice(choices[m.group()]), text)


# --- Engine --------------------------------------------------------------------------------

_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+?)(2?)\}")


def fill(rng: random.Random, template: str, vocab: dict) -> str:
    """Expand `[a|b]` alternatives, then `{X}` slots; `{X2}` never repeats the sentence's `{X}`."""
    text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    used: dict[str, str] = {}

    def slot(m: re.Match) -> str:
        key, second = m.group(1), m.group(2)
        options = vocab[key]
        value = options() if callable(options) else rng.choice(options)
        while second and value == used.get(key):
            value = options() if callable(options) else rng.choice(options)
        used.setdefault(key, value)
        return value

    return _SLOT.sub(slot, text)


def en_vocab(rng: random.Random, topic: str) -> dict:
    return dict(
        EN_TOPICS[topic],
        P=lambda: f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
        T=TOWNS, B=BUILDINGS, W=WEEKDAYS, M=MONTHS, S=SEASONS, K=SMALL,
        D=lambda: str(rng.randint(12, 950)),
        Y=lambda: str(rng.randint(1890, 2021)),
    )


def zh_vocab(rng: random.Random, topic: str) -> dict:
    return dict(
        ZH_TOPICS[topic],
        P=lambda: rng.choice(ZH_SURNAMES) + rng.choice(ZH_GIVEN),
        C=ZH_CITIES, L=ZH_PLACES, S=ZH_SEASONS, K=ZH_NUMS,
        W="一|二|三|四|五|六|日".split("|"),
        M=lambda: str(rng.randint(1, 12)),
        D=lambda: str(rng.randint(12, 950)),
        Y=lambda: str(rng.randint(1890, 2021)),
    )


class _Deck:
    """Deal items without replacement, reshuffling when empty: a document rarely repeats a
    template, which keeps its own duplicate n-gram fractions (Gopher repetition) low."""

    def __init__(self, rng: random.Random, items: list[str]):
        self.rng, self.items, self.hand = rng, list(items), []

    def draw(self) -> str:
        if not self.hand:
            self.hand = self.items[:]
            self.rng.shuffle(self.hand)
        return self.hand.pop()


def article(rng: random.Random, lang: str, target_units: int, topic: str | None = None) -> dict:
    """A titled article of `target_units` words (en) or characters (zh) as paragraphs of sentences.

    Returns {"title", "topic", "blocks": [("h2", heading) | ("p", [sentence, ...])]}.
    """
    en = lang == "en"
    topics = EN_TOPICS if en else ZH_TOPICS
    topic = topic or rng.choice(sorted(topics))
    vocab = en_vocab(rng, topic) if en else zh_vocab(rng, topic)
    # A few facts per document only: they carry no slots, so they are shared verbatim.
    facts = rng.sample(topics[topic]["F"], rng.randint(1, 3))
    sentences = _Deck(rng, (EN_SENTENCES if en else ZH_SENTENCES) + facts)
    openers = _Deck(rng, EN_OPENERS if en else ZH_OPENERS)
    quotes = _Deck(rng, EN_QUOTES if en else ZH_QUOTES)
    headings = _Deck(rng, topics[topic]["H"])
    unit_len = 18 if en else 32
    n_sentences = max(12, target_units // unit_len)
    n_paragraphs = max(6, min(rng.randint(6, 15), n_sentences // 3)) if target_units < 5000 else n_sentences // 4
    blocks: list = []
    quotes_left, headings_left = rng.randint(0, 2), rng.randint(0, 3)
    for i in range(n_paragraphs):
        if i and headings_left and rng.random() < 0.25:
            blocks.append(("h2", headings.draw()))
            headings_left -= 1
        count = max(2, round(n_sentences / n_paragraphs + rng.uniform(-1.5, 1.5)))
        paragraph = [_sentence(rng, sentences.draw(), vocab, openers, en) for _ in range(count)]
        if quotes_left and rng.random() < 0.2:
            quotes_left -= 1
            who = fill(rng, "{P}, a {R} from {T}," if en else "{C}的{R}{P}", vocab)
            quote = quotes.draw()
            paragraph.insert(rng.randint(0, len(paragraph)),
                             f'"{quote[:-1]}," said {who[:-1]}.' if en else f"{who}说：“{quote}”")
        blocks.append(("p", paragraph))
    title = fill(rng, rng.choice(EN_TITLES if en else ZH_TITLES), vocab)
    return {"title": title[0].upper() + title[1:], "topic": topic, "blocks": blocks}


def sentence(rng: random.Random, lang: str, topic: str) -> str:
    """One fresh sentence on `topic`, for planting small edits in near-duplicates."""
    en = lang == "en"
    vocab = en_vocab(rng, topic) if en else zh_vocab(rng, topic)
    text = fill(rng, rng.choice(EN_SENTENCES if en else ZH_SENTENCES), vocab)
    return text[0].upper() + text[1:]


def _sentence(rng: random.Random, template: str, vocab: dict, openers: _Deck, en: bool) -> str:
    text = fill(rng, template, vocab)
    if rng.random() < 0.2:
        keep_case = not en or template.startswith(("{P}", "I ")) or template[:1] in "{\""
        text = openers.draw() + (text if keep_case else text[0].lower() + text[1:])
        text = fill(rng, text, vocab)
    text = vary(rng, text, "en" if en else "zh")
    return text[0].upper() + text[1:]


def paragraph_text(blocks: list, lang: str) -> list[str]:
    """Blocks as the plain lines an extractor should return: headings and joined paragraphs."""
    joiner = " " if lang == "en" else ""
    return [b[1] if b[0] == "h2" else joiner.join(b[1]) for b in blocks]
