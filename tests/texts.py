"""Texts shared by the tests: an evening summary, as an assistant would read it out, and one over-long sentence."""

from __future__ import annotations

#: Twenty-one sentences, about 2,000 characters: long enough for several model windows.
EVENING_SUMMARY = [
        "Good evening, and welcome to your daily summary.",
        "The weather today was mild, with a light breeze from the west and clear skies through the afternoon.",
        "Tomorrow morning will start cloudy, but the sun should return before lunch, so it is a good day for a walk.",
        "In the house, the kitchen lights were turned off at ten, the front door is locked, and the garage is closed.",
        "The washing machine finished its cycle an hour ago, so the laundry is ready to be hung up to dry.",
        "Your calendar shows a dentist appointment on Thursday afternoon and dinner with friends on Saturday evening.",
        "The package you ordered last week has been shipped and should arrive at the front door on Friday.",
        "Remember that the recycling bins go out on Wednesday night, and the garden needs watering if it stays dry.",
        "The living room thermostat is holding a comfortable temperature, and the bedroom windows are closed.",
        "Energy use was lower than yesterday, mostly because the heating ran less during the sunny afternoon.",
        "The security cameras recorded no unusual activity, and every motion sensor reported a quiet evening.",
        "Finally, a reminder that the library books are due back next Monday, so put them by the door tonight.",
        "That is all for now. Sleep well, and I will wake you at seven with the news and a cup of coffee.",
        "The music in the kitchen will fade out slowly over the next ten minutes, and the hallway light stays on.",
        "If you need anything during the night, just ask, and I will turn on the lights at a low, warm level.",
        "The dishwasher is set to start after midnight, when electricity is cheaper and the house is quiet.",
        "Your sister called this afternoon and asked you to call her back about the plans for the weekend.",
        "The plants on the balcony were watered by the automatic system, and the rain barrel is almost full.",
        "Tomorrow the bus to the city center runs on the holiday schedule, so the first one leaves later.",
        "The air in the bedroom is fresh, the humidity is normal, and the air purifier is running quietly.",
        "Good night, and sweet dreams until the morning.",
]

#: One sentence of 541 phoneme ids: over the model's 510, so it is synthesized in two parts, cut at a comma.
OVER_LONG_SENTENCE = (
    "The living room lights are on and dimmed to forty percent, the kitchen lights are off, "
    "the hallway lamp is on a timer until eleven, the porch light turns on at sunset, "
    "the bedroom blinds are half open, the office fan is running on its lowest setting, "
    "the garage door is closed and locked, the garden sprinklers will start tomorrow morning at six, "
    "the thermostat is set to twenty one degrees, the front door is locked, the back door is locked, "
    "the washing machine has finished its cycle, and the dishwasher will be done in about twenty minutes."
)
