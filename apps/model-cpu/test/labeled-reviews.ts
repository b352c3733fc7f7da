// A labeled set of short movie and product reviews, written for this test (not taken from any
// corpus): 30 positive, 30 negative, with negations, intensifiers and contrasts among them.
import type { Label } from '../src/labels.js';

export interface LabeledReview {
  text: string;
  label: Label;
}

const positive = [
  'An absolutely wonderful film, I loved every minute of it.',
  'The acting is superb and the story is moving.',
  'Best headphones I have ever owned: the sound is crisp and the battery lasts for days.',
  'Not bad at all, actually quite enjoyable.',
  'This blender works great and is easy to clean.',
  'A beautiful, heartfelt movie with a brilliant cast.',
  'I was pleasantly surprised by how good this was.',
  'Highly recommended, it exceeded all my expectations.',
  'The kids loved it and so did I.',
  'Excellent build quality and fast shipping.',
  'Funny, smart and full of charm.',
  'It is the perfect gift, my wife was thrilled.',
  'The director did an amazing job; the ending made me smile.',
  'Comfortable shoes that fit perfectly right out of the box.',
  'A delightful little comedy that never gets boring.',
  'Great value for the money, I would buy it again.',
  'The soundtrack is fantastic and the visuals are stunning.',
  'Works exactly as described and the customer service was very helpful.',
  'I can’t stop recommending this book to my friends, it is that good.',
  'Such a fun ride from start to finish!',
  'The camera takes gorgeous pictures even in low light.',
  'A masterpiece. Powerful, honest and unforgettable.',
  'Sturdy, reliable and well designed.',
  'I enjoyed it far more than I expected.',
  'This is a wonderful product and I am very happy with it.',
  'The performances are strong and the script is clever.',
  'Five stars, nothing to complain about.',
  'My favorite movie of the year.',
  'It does the job well and looks nice on the counter.',
  'A warm, hopeful story that left me feeling inspired.',
];

const negative = [
  'Not good at all.',
  'A boring, predictable mess of a movie.',
  'The battery died after two days, total waste of money.',
  'I would not recommend this to anyone.',
  'The worst film I have seen in years.',
  'Cheap plastic that broke the first time I used it.',
  'The plot makes no sense and the acting is terrible.',
  'Very disappointed, it stopped working after a week.',
  'Awful customer service and the product arrived damaged.',
  'I did not enjoy this movie at all.',
  'Dull, slow and far too long.',
  'It looks nice but it is useless and poorly made.',
  'The sound quality is horrible and the headphones hurt my ears.',
  'Save your money, this is garbage.',
  'The jokes fall flat and the characters are annoying.',
  'This is not worth the price.',
  'I regret buying it.',
  'A painful, ugly and pointless film.',
  'The zipper broke and the seams are coming apart, so disappointing.',
  'Nothing works as advertised and support never answered.',
  'The ending was stupid and ruined the whole thing.',
  'I hated every minute of it.',
  'Flimsy, noisy and hard to use.',
  'Sadly, the sequel is a weak and lazy copy of the original.',
  'The screen cracked within a month, very poor quality.',
  'Not funny, not scary, just bad.',
  'Terrible fit and the color is nothing like the picture.',
  'I fell asleep halfway through; what a dreadful bore.',
  'It never worked properly and the instructions are useless.',
  'A huge letdown from a director I used to love.',
];

export const LABELED_REVIEWS: readonly LabeledReview[] = [
  ...positive.map((text) => ({ text, label: 'POSITIVE' as const })),
  ...negative.map((text) => ({ text, label: 'NEGATIVE' as const })),
];
